import FleetStore
import Foundation
import Logging
import PostgresNIO

extension PostgresMetricStore {
    /// The advisory lock that lets one replica at a time run the rollup pass, per schema (a database may hold
    /// several fleets, e.g. a benchmark's beside the default one).
    static let rollupLock = "\(0x466C_6565), hashtext(current_schema())"

    /// One closed minute's five-second summaries (`ticks_5s`: a row per machine and layout; per series, its sums,
    /// minimums and maximums in the 5 s slots that had ticks) and 1-minute rollups, from its raw ticks grouped once by
    /// machine, layout, 5 s slot and series; every row replaced, never added to, so a recomputed minute is exact after
    /// any redelivery or late tick. (Ticks are only ever added, never deleted but by dropping their day, so a
    /// recomputed minute has every row it had before.) `legacy` minutes reach back before schema 5:
    /// `recomputeLegacyMinute` then rewrites the rollups.
    static func recomputeMinute(bucketMs: Int64) -> String {
        let bucket = timestamp("\(bucketMs)")
        return """
            WITH series AS MATERIALIZED (
                SELECT t.machine_id, t.layout, floor(extract(epoch FROM t.ts - \(bucket)) / 5)::int2 AS o, u.i,
                    sum(u.v) AS s, min(u.v) AS lo, max(u.v) AS hi, count(*) AS n
                FROM ticks t CROSS JOIN LATERAL unnest(t.vals) WITH ORDINALITY AS u(v, i)
                WHERE t.ts >= \(bucket) AND t.ts < \(bucket) + interval '1 minute'
                GROUP BY 1, 2, 3, 4
            ), columns AS (
                -- Per series, in slot order: the slots with ticks, their counts, and its sums, minimums and
                -- maximums in them. (The aggregates take their input's order: one sort of every row, which costs a
                -- third of an ORDER BY in each aggregate. No parallel plan runs a statement that writes.)
                SELECT machine_id, layout, i, array_agg(o) AS slots, array_agg(n::int4) AS n,
                    ARRAY[array_agg(s), array_agg(lo), array_agg(hi)] AS st
                FROM (SELECT * FROM series ORDER BY machine_id, layout, i, o) sorted
                GROUP BY 1, 2, 3
            ), summaries AS (
                -- Every series of a layout has the same ticks, so the same slots and counts.
                INSERT INTO ticks_5s AS f (machine_id, bucket, layout, slots, n, stats)
                SELECT machine_id, \(bucket), layout, slots, n, array_agg(st ORDER BY i)
                FROM columns GROUP BY machine_id, layout, slots, n ORDER BY 1, 3
                ON CONFLICT (machine_id, bucket, layout) DO UPDATE SET
                    slots = EXCLUDED.slots, n = EXCLUDED.n, stats = EXCLUDED.stats
            )
            INSERT INTO samples_1m AS r (machine_id, metric, labels, bucket, min, max, sum, count)
            SELECT s.machine_id, l.metrics[s.i], l.labels[s.i], \(bucket), min(s.lo), max(s.hi), sum(s.s), sum(s.n)
            FROM series s JOIN layouts l ON l.id = s.layout
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            \(minuteUpsert)
            """
    }

    static let minuteUpsert = """
        ON CONFLICT (machine_id, metric, labels, bucket) DO UPDATE SET
            min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, count = EXCLUDED.count
        """

    /// A minute's 1-minute rollups from its raw ticks and the row-per-sample table of schema < 5, which the
    /// summaries do not hold, replacing what `recomputeMinute` wrote.
    static func recomputeLegacyMinute(bucketMs: Int64) -> String {
        let bucket = timestamp("\(bucketMs)")
        return """
            INSERT INTO samples_1m AS r (machine_id, metric, labels, bucket, min, max, sum, count)
            SELECT machine_id, metric, labels, \(bucket), min(value), max(value), sum(value), count(*)
            FROM (
                SELECT t.machine_id, u.metric, u.labels, u.value
                FROM ticks t JOIN layouts l ON l.id = t.layout
                CROSS JOIN LATERAL unnest(l.metrics, l.labels, t.vals) AS u(metric, labels, value)
                WHERE t.ts >= \(bucket) AND t.ts < \(bucket) + interval '1 minute'
            UNION ALL
                SELECT machine_id, metric, labels, value FROM samples WHERE ts >= \(bucket) AND ts < \(bucket) + interval '1 minute'
            ) raw
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            \(minuteUpsert)
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

    /// Rolls up every closed minute marked dirty by `persist` (its five-second summaries and 1-minute rollups), then
    /// every closed hour those minutes touched,
    /// each bucket in its own short transaction (its mark is deleted in the same transaction, so a crash
    /// leaves it marked and the next pass redoes it); then moves the watermarks that tell `history` which
    /// buckets the rollup tables answer. A replica that finds another replica's pass running skips its own.
    @discardableResult
    public func rollUp(now: Date) async throws -> RollupReport {
        let watermark = rollup.minuteWatermark(now: now)
        return try await wrap("rollUp") {
            // Read before taking the pass's connection (the boundaries come from the pool, cached after the first).
            let legacyEnd = try await tierBoundaries().legacyEnd
            return try await client.withConnection { connection in
                var locked = false
                for try await acquired in try await connection.query(
                    "SELECT pg_try_advisory_lock(\(unescaped: Self.rollupLock))", logger: logger
                ).decode(Bool.self) {
                    locked = acquired
                }
                guard locked else { return RollupReport(minuteWatermark: watermark) }
                let report: RollupReport
                do {
                    report = try await rollUp(on: connection, watermark: watermark, legacyEnd: legacyEnd)
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(unescaped: Self.rollupLock))", logger: logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(\(unescaped: Self.rollupLock))", logger: logger)
                return report
            }
        }
    }

    /// The pass itself; `legacyEnd`: where the row-per-sample table of schema < 5 ends (`TierBoundaries`).
    private func rollUp(on connection: PostgresConnection, watermark: Int64, legacyEnd: Date) async throws -> RollupReport {
        let hourWatermark = RollupPolicy.hourWatermark(minuteWatermark: watermark)
        var report = RollupReport(minuteWatermark: watermark)

        let minutes = try await dirtyBuckets("m", before: watermark, on: connection)
        // The summaries' daily partitions, before any transaction (creating one locks the parent table), on the
        // connection the pass holds (a pool of one connection would otherwise wait for itself).
        try await ensurePartitions(
            Set(minutes.map { DailyPartition(containingMilliseconds: $0, parent: .fiveSeconds) }), on: connection)
        for minute in minutes {
            do {
                try await rollUp(minute: minute, legacyEnd: legacyEnd, on: connection)
            } catch {
                // Another replica's retention may have dropped the day's partition this one believes exists.
                knownPartitions.withLock { _ = $0.remove(DailyPartition(containingMilliseconds: minute, parent: .fiveSeconds)) }
                throw error
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

    /// One closed minute in one transaction: its mark deleted, its five-second summaries and 1-minute rollups
    /// recomputed, its hour marked.
    private func rollUp(minute: Int64, legacyEnd: Date, on connection: PostgresConnection) async throws {
        try await connection.withTransaction(logger: logger) { transaction in
            try await transaction.query(
                "DELETE FROM rollup_dirty WHERE tier = 'm' AND bucket = \(unescaped: Self.timestamp("\(minute)"))",
                logger: logger)
            // A minute of 1,000 machines groups ~20,000 series × 5 s in memory rather than on disk.
            try await transaction.query("SET LOCAL work_mem = '64MB'", logger: logger)
            try await transaction.query(PostgresQuery(unsafeSQL: Self.recomputeMinute(bucketMs: minute)), logger: logger)
            if Date(millisecondsSince1970: minute) < legacyEnd {
                try await transaction.query(
                    PostgresQuery(unsafeSQL: Self.recomputeLegacyMinute(bucketMs: minute)), logger: logger)
            }
            try await transaction.query(
                """
                INSERT INTO rollup_dirty (tier, bucket, writer)
                VALUES ('h', date_trunc('hour', \(unescaped: Self.timestamp("\(minute)")), 'UTC'), 0)
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
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
