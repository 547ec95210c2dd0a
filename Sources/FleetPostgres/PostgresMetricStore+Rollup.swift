import FleetStore
import Foundation
import Logging
import PostgresNIO

extension PostgresMetricStore {
    /// The advisory lock that lets one replica at a time run the rollup pass, per schema (a database may hold
    /// several fleets, e.g. a benchmark's beside the default one).
    static let rollupLock = "\(0x466C_6565), hashtext(current_schema())"

    /// One 1-minute bucket from raw ticks, replacing what was there (never adding): exact after any redelivery
    /// or late sample. `legacy` also reads the row-per-sample table of schema < 5.
    static func recomputeMinute(legacy: Bool, bucketMs: Int64) -> String {
        let bucket = timestamp("\(bucketMs)")
        let legacyRows =
            legacy
            ? """
            UNION ALL
                SELECT machine_id, metric, labels, value FROM samples WHERE ts >= \(bucket) AND ts < \(bucket) + interval '1 minute'
            """ : ""
        return """
            INSERT INTO samples_1m AS r (machine_id, metric, labels, bucket, min, max, sum, count)
            SELECT machine_id, metric, labels, \(bucket), min(value), max(value), sum(value), count(*)
            FROM (
                SELECT t.machine_id, u.metric, u.labels, u.value
                FROM ticks t JOIN layouts l ON l.id = t.layout
                CROSS JOIN LATERAL unnest(l.metrics, l.labels, t.vals) AS u(metric, labels, value)
                WHERE t.ts >= \(bucket) AND t.ts < \(bucket) + interval '1 minute'
            \(legacyRows)
            ) raw
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (machine_id, metric, labels, bucket) DO UPDATE SET
                min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count
            """
    }

    /// One 1-hour bucket from its 1-minute rollups, replacing what was there.
    static func recomputeHour(bucketMs: Int64) -> String {
        let bucket = timestamp("\(bucketMs)")
        return """
            INSERT INTO samples_1h AS r (machine_id, metric, labels, bucket, min, max, sum, count)
            SELECT machine_id, metric, labels, \(bucket), min(min), max(max), sum(sum), sum(count)
            FROM samples_1m WHERE bucket >= \(bucket) AND bucket < \(bucket) + interval '1 hour'
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (machine_id, metric, labels, bucket) DO UPDATE SET
                min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count
            """
    }

    /// Rolls up every closed minute marked dirty by `persist`, then every closed hour those minutes touched,
    /// each bucket in its own short transaction (its mark is deleted in the same transaction, so a crash
    /// leaves it marked and the next pass redoes it); then moves the watermarks that tell `history` which
    /// buckets the rollup tables answer. A replica that finds another replica's pass running skips its own.
    @discardableResult
    public func rollUp(now: Date) async throws -> RollupReport {
        let watermark = rollup.minuteWatermark(now: now)
        return try await wrap("rollUp") {
            try await client.withConnection { connection in
                var locked = false
                for try await acquired in try await connection.query(
                    "SELECT pg_try_advisory_lock(\(unescaped: Self.rollupLock))", logger: logger
                ).decode(Bool.self) {
                    locked = acquired
                }
                guard locked else { return RollupReport(minuteWatermark: watermark) }
                let report: RollupReport
                do {
                    report = try await rollUp(on: connection, watermark: watermark)
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(unescaped: Self.rollupLock))", logger: logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(\(unescaped: Self.rollupLock))", logger: logger)
                return report
            }
        }
    }

    private func rollUp(on connection: PostgresConnection, watermark: Int64) async throws -> RollupReport {
        let hourWatermark = RollupPolicy.hourWatermark(minuteWatermark: watermark)
        var report = RollupReport(minuteWatermark: watermark)
        var legacyEnd: Int64 = 0
        for try await end in try await connection.query(
            "SELECT \(unescaped: Self.milliseconds(of: "watermark")) FROM rollup_state WHERE tier = 'legacy'", logger: logger
        ).decode(Int64.self) {
            legacyEnd = end
        }

        for minute in try await dirtyBuckets("m", before: watermark, on: connection) {
            try await connection.withTransaction(logger: logger) { transaction in
                try await transaction.query(
                    "DELETE FROM rollup_dirty WHERE tier = 'm' AND bucket = \(unescaped: Self.timestamp("\(minute)"))",
                    logger: logger)
                try await transaction.query(
                    PostgresQuery(unsafeSQL: Self.recomputeMinute(legacy: minute < legacyEnd, bucketMs: minute)),
                    logger: logger)
                try await transaction.query(
                    """
                    INSERT INTO rollup_dirty (tier, bucket, writer)
                    VALUES ('h', date_trunc('hour', \(unescaped: Self.timestamp("\(minute)")), 'UTC'), 0)
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            report.minutes += 1
        }
        for hour in try await dirtyBuckets("h", before: hourWatermark, on: connection) {
            try await connection.withTransaction(logger: logger) { transaction in
                try await transaction.query(
                    "DELETE FROM rollup_dirty WHERE tier = 'h' AND bucket = \(unescaped: Self.timestamp("\(hour)"))",
                    logger: logger)
                try await transaction.query(PostgresQuery(unsafeSQL: Self.recomputeHour(bucketMs: hour)), logger: logger)
            }
            report.hours += 1
        }
        // Only forward: a pass with an older clock must not hand closed buckets back to raw reads.
        try await connection.query(
            """
            UPDATE rollup_state SET watermark = w.at
            FROM (VALUES ('m', \(unescaped: Self.timestamp("\(watermark)"))), ('h', \(unescaped: Self.timestamp("\(hourWatermark)")))) AS w(tier, at)
            WHERE rollup_state.tier = w.tier AND rollup_state.watermark < w.at
            """, logger: logger)
        if report.minutes > 0 || report.hours > 0 {
            logger.debug("rolled up", metadata: ["minutes": "\(report.minutes)", "hours": "\(report.hours)"])
        }
        return report
    }

    /// Marked buckets of `tier` that start before `end`, oldest first. An hour is closed once every minute in
    /// it is (`end` is then the hour watermark); a minute once its grace has passed.
    private func dirtyBuckets(_ tier: String, before end: Int64, on connection: PostgresConnection) async throws -> [Int64] {
        var buckets: [Int64] = []
        for try await bucket in try await connection.query(
            """
            SELECT DISTINCT \(unescaped: Self.milliseconds(of: "bucket")) FROM rollup_dirty
            WHERE tier = \(tier) AND bucket < \(unescaped: Self.timestamp("\(end)"))
            ORDER BY 1
            """, logger: logger
        ).decode(Int64.self) {
            buckets.append(bucket)
        }
        return buckets
    }

    /// A timestamptz column as whole milliseconds since 1970 (buckets and watermarks are whole minutes).
    static func milliseconds(of column: String) -> String { "(extract(epoch FROM \(column)) * 1000)::int8" }
}
