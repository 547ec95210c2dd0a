import FleetStore
import Foundation
import PostgresNIO

extension PostgresMetricStore {
    /// Rolls up what is closed, then drops whole daily partitions that ended before their cutoff (cheap: no row
    /// deletes): ticks and legacy samples at `now - retention.raw`, five-second summaries at
    /// `now - retention.summaries`; and deletes rollup rows and batch records past their own retention.
    @discardableResult
    public func applyRetention(now: Date) async throws -> RetentionReport {
        try await rollUp(now: now)
        return try await wrap("applyRetention") {
            var report = RetentionReport()
            let rawCutoff = now.addingTimeInterval(-ResolutionPolicy.seconds(retention.raw))
            let summaryCutoff = now.addingTimeInterval(-ResolutionPolicy.seconds(retention.summaries))
            for partition in try await existingPartitions()
            where partition.upperBound <= (partition.parent == .fiveSeconds ? summaryCutoff : rawCutoff) {
                try await client.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(partition.name)"), logger: logger)
                knownPartitions.withLock { _ = $0.remove(partition) }
                report.droppedPartitions.append(partition.name)
                logger.info("dropped expired partition", metadata: ["partition": "\(partition.name)"])
            }
            let minuteCutoff = now.addingTimeInterval(-ResolutionPolicy.seconds(retention.minuteRollup))
            let hourCutoff = now.addingTimeInterval(-ResolutionPolicy.seconds(retention.hourRollup))
            report.deletedMinuteRollups = try await count(
                "WITH d AS (DELETE FROM samples_1m WHERE bucket < \(minuteCutoff) RETURNING 1) SELECT count(*) FROM d")
            report.deletedHourRollups = try await count(
                "WITH d AS (DELETE FROM samples_1h WHERE bucket < \(hourCutoff) RETURNING 1) SELECT count(*) FROM d")
            // Marks of days whose raw data is gone have nothing left to roll up.
            try await client.query("DELETE FROM rollup_dirty WHERE bucket < \(rawCutoff)", logger: logger)
            report.deletedBatchRecords = try await count(
                "WITH d AS (DELETE FROM batches_seen WHERE seen_at < \(rawCutoff) RETURNING 1) SELECT count(*) FROM d")
            return report
        }
    }

    func count(_ query: PostgresQuery) async throws -> Int {
        var result = 0
        for try await value in try await client.query(query, logger: logger).decode(Int.self) { result = value }
        return result
    }
}
