import FleetCore
import FleetProto
import FleetStore
import Foundation
import Logging
import PostgresNIO

/// Write-throughput measurements of the PostgreSQL store, in a throwaway schema that is dropped afterwards.
/// `run` prints and returns samples/s for the row-per-sample idempotent-insert limit (COPY + INSERT … ON
/// CONFLICT DO NOTHING, nothing else) and for the full `persist` path (one row per machine tick) with each
/// staging mode, first-time and redelivered, then the rollup pass over what was written.
public enum StoreBenchmark {
    /// One measurement.
    public struct Result: Sendable, CustomStringConvertible {
        public var name: String
        public var rows: Int
        public var seconds: Double
        public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }

        public var description: String {
            "\(name): \(rows) rows in \(String(format: "%.2f", seconds)) s = \(Int(rowsPerSecond)) rows/s"
        }
    }

    /// - Parameters:
    ///   - rows: samples per measurement.
    ///   - rowsPerTransaction: samples per transaction (one persist call), as a persister would batch them.
    ///   - samplesPerBatch: samples per MetricBatch message.
    public static func run(
        configuration: PostgresStoreConfiguration, rows: Int = 200_000, rowsPerTransaction: Int = 10_000,
        samplesPerBatch: Int = 27, logger: Logger = Logger(label: "fleetwatch.store.benchmark")
    ) async throws -> [Result] {
        let schema = "fleetwatch_bench_\(UInt32.random(in: 0...UInt32.max))"
        var benchConfiguration = configuration
        benchConfiguration.searchPath = schema
        benchConfiguration.maximumConnections = 2

        try await PostgresMetricStore.withStore(configuration: configuration, logger: logger) { admin in
            try await admin.client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
        }
        var results: [Result] = []
        let encodeOnly = try measureEncoding(rows: rows, rowsPerTransaction: rowsPerTransaction, samplesPerBatch: samplesPerBatch)
        print(encodeOnly)
        results.append(encodeOnly)
        do {
            for mode in PostgresMetricStore.StagingMode.allCases {
                try await PostgresMetricStore.withStore(
                    configuration: benchConfiguration, stagingMode: mode, logger: logger
                ) { store in
                    try await store.migrate()
                    if mode == .sessionTable {
                        let limit = try await idempotentInsertLimit(
                            store: store, rows: rows, rowsPerTransaction: rowsPerTransaction,
                            samplesPerBatch: samplesPerBatch)
                        print(limit)
                        results.append(limit)
                    }
                    let batches = makeBatches(
                        prefix: "persist-\(mode.rawValue)", rows: rows, samplesPerBatch: samplesPerBatch)
                    let perCall = max(1, rowsPerTransaction / samplesPerBatch)
                    for redelivery in [false, true] {
                        let start = ContinuousClock.now
                        var written = 0
                        for offset in stride(from: 0, to: batches.count, by: perCall) {
                            let slice = Array(batches[offset..<min(offset + perCall, batches.count)])
                            let result = try await store.persist(slice)
                            written += result.samplesInserted + result.samplesDuplicate
                        }
                        let elapsed = ContinuousClock.now - start
                        let name = "persist (\(mode.rawValue)\(redelivery ? ", all duplicates" : ""))"
                        let result = Result(name: name, rows: written, seconds: ResolutionPolicy.seconds(elapsed))
                        print(result)
                        results.append(result)
                    }
                }
            }
            try await PostgresMetricStore.withStore(configuration: benchConfiguration, logger: logger) { store in
                let start = ContinuousClock.now
                let report = try await store.rollUp(now: Date())
                let samples = try await store.count(PostgresQuery(unsafeSQL: "SELECT coalesce(sum(cardinality(vals)), 0)::int8 FROM ticks"))
                let rollup = Result(
                    name: "rollup pass (\(report.minutes) minutes, \(report.hours) hours)", rows: samples,
                    seconds: ResolutionPolicy.seconds(ContinuousClock.now - start))
                print(rollup)
                results.append(rollup)
                let naiveBytes = try await store.count(PostgresQuery(unsafeSQL: 
                    "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::int8 FROM pg_inherits WHERE inhparent = 'samples'::regclass"))
                let naiveRows = try await store.count(PostgresQuery(unsafeSQL: "SELECT count(*) FROM samples"))
                let tickBytes = try await store.count(PostgresQuery(unsafeSQL: 
                    """
                    SELECT (coalesce(sum(pg_total_relation_size(inhrelid)), 0) + pg_total_relation_size('samples_1m')
                        + pg_total_relation_size('samples_1h') + pg_total_relation_size('layouts'))::int8
                    FROM pg_inherits WHERE inhparent IN ('ticks'::regclass, 'ticks_5s'::regclass)
                    """))
                // The five-second summaries count as rollups: the pass writes them, from the ticks.
                let rollupBytes = try await store.count(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT (coalesce(sum(pg_total_relation_size(inhrelid)), 0) + pg_total_relation_size('samples_1m')
                                + pg_total_relation_size('samples_1h'))::int8
                            FROM pg_inherits WHERE inhparent = 'ticks_5s'::regclass
                            """))
                func perSample(_ bytes: Int, _ count: Int) -> String { String(format: "%.1f", Double(bytes) / Double(max(1, count))) }
                print(
                    "bytes per sample: row-per-sample \(perSample(naiveBytes, naiveRows)) B (no rollups); "
                        + "ticks + rollups \(perSample(tickBytes, samples)) B (of which rollups \(perSample(rollupBytes, samples)) B)")
            }
        } catch {
            try? await dropSchema(schema, configuration: configuration, logger: logger)
            throw error
        }
        try await dropSchema(schema, configuration: configuration, logger: logger)
        return results
    }

    /// Building the COPY text and upsert arrays alone (no database): the client's share of the cost.
    static func measureEncoding(rows: Int, rowsPerTransaction: Int, samplesPerBatch: Int) throws -> Result {
        let batches = makeBatches(prefix: "encode", rows: rows, samplesPerBatch: samplesPerBatch)
        let perCall = max(1, rowsPerTransaction / samplesPerBatch)
        let start = ContinuousClock.now
        var encoded = 0
        for offset in stride(from: 0, to: batches.count, by: perCall) {
            encoded += try PersistPlan(Array(batches[offset..<min(offset + perCall, batches.count)])).sampleCount
        }
        return Result(
            name: "encoding only (PersistPlan, no database)", rows: encoded,
            seconds: ResolutionPolicy.seconds(ContinuousClock.now - start))
    }

    /// The naive row-per-sample design TARGETS.md compares with: COPY one text row per sample into a staging
    /// table and INSERT … ON CONFLICT DO NOTHING into a table keyed (machine, metric, labels, ts) — the legacy
    /// `samples` table has exactly that shape — with no rollups or bookkeeping: the ceiling of writing a row
    /// per sample, which the tick layout must beat.
    static func idempotentInsertLimit(
        store: PostgresMetricStore, rows: Int, rowsPerTransaction: Int, samplesPerBatch: Int
    ) async throws -> Result {
        let batches = makeBatches(prefix: "limit", rows: rows, samplesPerBatch: samplesPerBatch)
        let perCall = max(1, rowsPerTransaction / samplesPerBatch)
        let logger = store.logger
        let start = ContinuousClock.now
        var written = 0
        for offset in stride(from: 0, to: batches.count, by: perCall) {
            let slice = Array(batches[offset..<min(offset + perCall, batches.count)])
            var encoder = CopyTextEncoder(capacity: 1 << 20)
            var days: Set<DailyPartition> = []
            for batch in slice {
                for sample in batch.samples {
                    let ms = SampleTime.milliseconds(of: sample, in: batch)
                    encoder.appendText(batch.machine.machineID)
                    encoder.appendText(sample.name)
                    encoder.appendText(LabelSet.key(sample.labels))
                    encoder.appendInteger(ms)
                    encoder.appendDouble(sample.value)
                    encoder.endRow()
                    days.insert(DailyPartition(containingMilliseconds: ms, parent: .samples))
                    written += 1
                }
            }
            try await store.ensurePartitions(days)
            let chunk = encoder.take()
            try await store.client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    CREATE TEMP TABLE IF NOT EXISTS naive_staging (
                        machine_id text, metric text, labels text, ts_ms bigint, value double precision
                    ) ON COMMIT DELETE ROWS
                    """, logger: logger)
                try await connection.copyFrom(
                    table: "naive_staging", columns: ["machine_id", "metric", "labels", "ts_ms", "value"], logger: logger
                ) { writer in
                    try await writer.write(chunk)
                }
                try await connection.query(
                    """
                    INSERT INTO samples (machine_id, metric, labels, ts, value)
                    SELECT machine_id, metric, labels, \(unescaped: PostgresMetricStore.timestamp("ts_ms")), value
                    FROM naive_staging
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
        }
        let elapsed = ContinuousClock.now - start
        return Result(
            name: "row-per-sample idempotent insert limit (COPY + INSERT ON CONFLICT DO NOTHING)", rows: written,
            seconds: ResolutionPolicy.seconds(elapsed))
    }

    /// Synthetic batches shaped like real ones: 20 machines, 10 metrics × a few label values, one batch
    /// per machine every second (the resolution the storage layout is sized for).
    static func makeBatches(prefix: String, rows: Int, samplesPerBatch: Int) -> [Fleetwatch_V1_MetricBatch] {
        let metrics = Array(MetricName.all.sorted().prefix(10))
        let machineCount = 20
        let base: Int64 = 1_795_000_000_000
        var batches: [Fleetwatch_V1_MetricBatch] = []
        var produced = 0
        var tick: Int64 = 0
        while produced < rows {
            for machine in 0..<machineCount where produced < rows {
                var batch = Fleetwatch_V1_MetricBatch()
                batch.machine.machineID = "\(prefix)-\(machine)"
                batch.machine.hostname = "host-\(machine)"
                batch.sequence = UInt64(tick + 1)
                batch.timestampMs = base + tick * 1_000
                batch.receivedMs = batch.timestampMs + 5
                for index in 0..<min(samplesPerBatch, rows - produced) {
                    var sample = Fleetwatch_V1_Sample()
                    sample.name = metrics[index % metrics.count]
                    sample.labels = ["cpu": String(index / metrics.count)]
                    sample.value = Double(index) * 1.5 + Double(tick)
                    sample.timestampMs = batch.timestampMs
                    batch.samples.append(sample)
                }
                produced += batch.samples.count
                batches.append(batch)
            }
            tick += 1
        }
        return batches
    }

    static func dropSchema(_ schema: String, configuration: PostgresStoreConfiguration, logger: Logger) async throws {
        try await PostgresMetricStore.withStore(configuration: configuration, logger: logger) { admin in
            try await admin.client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
        }
    }
}
