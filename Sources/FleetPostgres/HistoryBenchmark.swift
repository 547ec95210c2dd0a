import FleetCore
import FleetStore
import Foundation
import Logging
import PostgresNIO

/// History query latency of the PostgreSQL store at fleet scale, in a throwaway schema dropped afterwards.
///
/// Loads `machines` machines × one hour of 1 s ticks (27 series each, one shared layout) and 30 days of 1-hour
/// rollups of the queried series, generated in SQL (`generate_series`), runs the rollup pass over the loaded hour
/// (timed: the five-second summaries and minute rollups of 60 minutes), then times `history` for one series over
/// 1 h (5 s buckets, from the summaries) and over 30 d (hour rollups), each for random machines, and prints p50 /
/// p99. A measured stand-in for "1,000 machines × 7 days": a query reads only its machine's index range, so
/// what the older raw days would add is index depth and cache pressure, not rows read.
public enum HistoryBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var name: String
        public var p50Ms: Double
        public var p99Ms: Double
        public var points: Int

        public var description: String {
            "\(name): p50 \(String(format: "%.2f", p50Ms)) ms, p99 \(String(format: "%.2f", p99Ms)) ms (\(points) points per answer)"
        }
    }

    static let series = 27

    /// - Parameter keepSchema: load into this schema and keep it afterwards (scripts/bench-history then asks the
    ///   same questions through a gateway's REST API); nil: a random schema, dropped at the end.
    public static func run(
        configuration: PostgresStoreConfiguration, machines: Int = 1_000, queries: Int = 300, keepSchema: String? = nil,
        logger: Logger = Logger(label: "fleetwatch.history.benchmark")
    ) async throws -> [Result] {
        let schema = keepSchema ?? "fleetwatch_bench_history_\(UInt32.random(in: 0...UInt32.max))"
        var scoped = configuration
        scoped.searchPath = schema
        try await PostgresMetricStore.withStore(configuration: configuration, logger: logger) { admin in
            try await admin.client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
        }
        do {
            // The loaded hour ends a minute ago, the 30 days of hour rollups end at the hour before.
            let now = Date()
            let hourEnd = RollupPolicy.floor(now.millisecondsSince1970, to: RollupPolicy.minuteMilliseconds)
            let hourStart = hourEnd - RollupPolicy.hourMilliseconds
            let results = try await PostgresMetricStore.withStore(configuration: scoped, logger: logger, now: { now }) {
                store in
                try await store.migrate()
                let started = ContinuousClock.now
                // wrap: a failing statement reports PostgreSQL's message, not a redacted PSQLError.
                try await store.wrap("loading the history benchmark") {
                    try await load(store, machines: machines, hourStart: hourStart, hourEnd: hourEnd)
                }
                print(
                    "loaded \(machines) machines × 3,600 ticks × \(series) series and 30 days of hour rollups in "
                        + "\(String(format: "%.0f", ResolutionPolicy.seconds(ContinuousClock.now - started))) s")
                // The rollup pass over the loaded hour, as the persisters run it: five-second summaries and minute
                // rollups of every closed minute.
                let rollupStarted = ContinuousClock.now
                let report = try await store.rollUp(
                    now: Date(millisecondsSince1970: hourEnd).addingTimeInterval(
                        ResolutionPolicy.seconds(store.rollup.grace)))
                let rollupSeconds = ResolutionPolicy.seconds(ContinuousClock.now - rollupStarted)
                print(
                    "rollup pass: \(report.minutes) minutes of \(machines) machines in "
                        + String(format: "%.1f s (%.2f s per minute)", rollupSeconds, rollupSeconds / Double(max(1, report.minutes))))
                try await markRolledUp(store, to: hourEnd)
                let hour = try await measure(
                    "history, one series over 1 h (five-second summaries)", store, machines: machines, queries: queries,
                    from: hourStart, to: hourEnd)
                print(hour)
                let month = try await measure(
                    "history, one series over 30 d (hour rollups)", store, machines: machines, queries: queries,
                    from: hourEnd - 30 * 86_400_000, to: hourEnd)
                print(month)
                return [hour, month]
            }
            if keepSchema == nil {
                try await StoreBenchmark.dropSchema(schema, configuration: configuration, logger: logger)
            }
            return results
        } catch {
            try? await StoreBenchmark.dropSchema(schema, configuration: configuration, logger: logger)
            throw error
        }
    }

    static func load(_ store: PostgresMetricStore, machines: Int, hourStart: Int64, hourEnd: Int64) async throws {
        let layout = SeriesLayout(
            metrics: ["cpu.usage_percent"] + (1..<series).map { "bench.series_\($0 < 10 ? "0" : "")\($0)" },
            labels: ["cpu=total"] + Array(repeating: "", count: series - 1))
        let layoutID = try await store.layoutIDs(for: [layout])[layout]!
        try await store.ensurePartitions(
            Set([hourStart, hourEnd - 1].map { DailyPartition(containingMilliseconds: $0) }))
        let logger = store.logger
        // One statement per machine batch keeps each transaction small.
        for first in stride(from: 0, to: machines, by: 100) {
            try await store.client.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO ticks (machine_id, ts, layout, vals)
                        SELECT 'bench-' || m, \(PostgresMetricStore.timestamp("s")), \(layoutID),
                            array(SELECT random() * 100 FROM generate_series(1, \(series)) WHERE m >= 0 AND s >= 0)
                        FROM generate_series(\(first), \(min(machines, first + 100) - 1)) AS m,
                            generate_series(\(hourStart), \(hourEnd - 1), 1000) AS s
                        """), logger: logger)
        }
        try await store.client.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO samples_1h (machine_id, metric, labels, bucket, min, max, sum, count)
                    SELECT 'bench-' || m, metric, labels, \(PostgresMetricStore.timestamp("h")), 1, 99, 180000, 3600
                    FROM generate_series(0, \(machines - 1)) AS m,
                        (VALUES ('cpu.usage_percent', 'cpu=total'), ('bench.series_01', ''), ('bench.series_02', ''))
                            AS s(metric, labels),
                        generate_series(\(hourEnd - 30 * 86_400_000), \(hourEnd - 1), \(RollupPolicy.hourMilliseconds)) AS h
                    """), logger: logger)
        // The machines, as the persister records them (the gateway lists and answers only known machines).
        try await store.client.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO machines (machine_id, hostname, first_seen, last_seen)
                    SELECT 'bench-' || m, 'bench-' || m, \(PostgresMetricStore.timestamp("\(hourStart)")),
                        \(PostgresMetricStore.timestamp("\(hourEnd - 1000)"))
                    FROM generate_series(0, \(machines - 1)) AS m
                    """), logger: logger)
        // Every loaded minute is marked for the rollup pass, as `persist` marks what it writes.
        try await store.client.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO rollup_dirty (tier, bucket, writer)
                    SELECT 'm', \(PostgresMetricStore.timestamp("s")), 0
                    FROM generate_series(\(hourStart), \(hourEnd - 1), \(RollupPolicy.minuteMilliseconds)) AS s
                    ON CONFLICT DO NOTHING
                    """), logger: logger)
        // Only this schema's tables (a partitioned table takes its partitions along): a bare ANALYZE visits every
        // table of the database and fails when another session drops one meanwhile (tests run in parallel).
        try await store.client.query("ANALYZE ticks, samples_1h, layouts, rollup_state, rollup_dirty", logger: logger)
    }

    /// Everything before the loaded hour's end is rolled up as far as history is concerned (the hour rollups of
    /// the 30 days were loaded, not computed).
    static func markRolledUp(_ store: PostgresMetricStore, to hourEnd: Int64) async throws {
        try await store.client.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE rollup_state SET watermark = \(PostgresMetricStore.timestamp("\(hourEnd)"))
                    WHERE tier IN ('m', 'h')
                    """), logger: store.logger)
        try await store.client.query("ANALYZE ticks_5s, samples_1m, samples_1h, rollup_state", logger: store.logger)
    }

    static func measure(
        _ name: String, _ store: PostgresMetricStore, machines: Int, queries: Int, from: Int64, to: Int64
    ) async throws -> Result {
        var latencies: [Double] = []
        var points = 0
        for index in 0..<queries {
            let machine = "bench-\(Int.random(in: 0..<machines))"
            let started = ContinuousClock.now
            let history = try await store.history(
                machine: machine, metric: "cpu.usage_percent", labels: ["cpu": "total"],
                from: Date(millisecondsSince1970: from), to: Date(millisecondsSince1970: to),
                step: nil)
            let elapsed = ContinuousClock.now - started
            // The first few warm the connection and the plan cache.
            if index >= 10 { latencies.append(ResolutionPolicy.seconds(elapsed) * 1000) }
            points = history.points.count
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return Result(name: name, p50Ms: percentile(0.5), p99Ms: percentile(0.99), points: points)
    }
}
