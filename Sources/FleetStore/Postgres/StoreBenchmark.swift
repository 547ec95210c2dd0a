import FleetCore
import FleetProto
import Foundation
import Logging
import PostgresNIO

/// Write-throughput measurements of the PostgreSQL store, in a throwaway schema that is dropped afterwards.
/// `run` prints and returns rows/s for the idempotent-insert limit (COPY + INSERT … ON CONFLICT DO NOTHING,
/// nothing else) and for the full `persist` path with each staging mode, first-time and redelivered.
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
        samplesPerBatch: Int = 50, logger: Logger = Logger(label: "fleetwatch.store.benchmark")
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

    /// COPY into the staging table and INSERT … ON CONFLICT DO NOTHING into the partitioned table,
    /// without rollups or bookkeeping: the ceiling the full path is compared with.
    static func idempotentInsertLimit(
        store: PostgresMetricStore, rows: Int, rowsPerTransaction: Int, samplesPerBatch: Int
    ) async throws -> Result {
        let batches = makeBatches(prefix: "limit", rows: rows, samplesPerBatch: samplesPerBatch)
        let perCall = max(1, rowsPerTransaction / samplesPerBatch)
        let logger = store.logger
        let start = ContinuousClock.now
        var written = 0
        for offset in stride(from: 0, to: batches.count, by: perCall) {
            let plan = try PersistPlan(Array(batches[offset..<min(offset + perCall, batches.count)]))
            try await store.ensurePartitions(plan.days)
            try await store.client.withTransaction(logger: logger) { connection in
                try await connection.query(PostgresQuery(unsafeSQL: store.createStagingStatement), logger: logger)
                try await connection.copyFrom(
                    table: PostgresMetricStore.stagingTable, columns: PostgresMetricStore.stagingColumns, logger: logger
                ) { writer in
                    for chunk in plan.copyChunks { try await writer.write(chunk) }
                }
                try await connection.query(
                    """
                    INSERT INTO samples (machine_id, metric, labels, ts, value)
                    SELECT machine_id, metric, labels, \(unescaped: PostgresMetricStore.timestamp("ts_ms")), value
                    FROM \(unescaped: PostgresMetricStore.stagingTable)
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            written += plan.sampleCount
        }
        let elapsed = ContinuousClock.now - start
        return Result(
            name: "idempotent insert limit (COPY + INSERT ON CONFLICT DO NOTHING)", rows: written,
            seconds: ResolutionPolicy.seconds(elapsed))
    }

    /// Synthetic batches shaped like real ones: 20 machines, 10 metrics × 5 label values, one batch
    /// per machine every 10 s.
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
                batch.timestampMs = base + tick * 10_000
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
