import FleetStore
import Foundation
import GRDB

extension SQLiteMetricStore {
    /// Rolls up first (so no raw tick leaves before its minute is in `samples_1m`), then deletes raw ticks by
    /// whole UTC days like PostgreSQL's daily partitions, and rollups and batch records older than their
    /// retention. Ticks go a minute at a time, each in its own transaction, so `persist` never waits long.
    /// Records how far retention has deleted (`SQLiteRollupTier`): buckets before that keep their rollups.
    public func applyRetention(now: Date) async throws -> RetentionReport {
        let nowMs = now.millisecondsSince1970
        let day: Int64 = 86_400_000
        let rawCutoff = RollupPolicy.floor(nowMs - retention.raw.wholeMilliseconds, to: day)
        let minuteCutoff = nowMs - retention.minuteRollup.wholeMilliseconds
        let hourCutoff = nowMs - retention.hourRollup.wholeMilliseconds
        return try await wrap("retention") {
            try await passes.run {
                _ = try await self.rollUpPass(now: now)
                let oldest = try await self.pool.read { db in try Int64.fetchOne(db, sql: "SELECT min(ts) FROM ticks") }
                let days = oldest.map { Self.dayNames(from: RollupPolicy.floor($0, to: day), to: rawCutoff) } ?? []
                var next = oldest
                while let start = next, start < rawCutoff {
                    let end = min(
                        rawCutoff,
                        RollupPolicy.floor(start, to: RollupPolicy.minuteMilliseconds) + RollupPolicy.minuteMilliseconds)
                    next = try await self.pool.write { db in
                        try db.execute(sql: "DELETE FROM ticks WHERE ts < ?", arguments: [end])
                        return try Int64.fetchOne(db, sql: "SELECT min(ts) FROM ticks")
                    }
                }
                return try await self.pool.write { db in
                    var report = RetentionReport(droppedPartitions: days)
                    try db.execute(sql: "DELETE FROM samples_1m WHERE bucket < ?", arguments: [minuteCutoff])
                    report.deletedMinuteRollups = db.changesCount
                    try db.execute(sql: "DELETE FROM samples_1h WHERE bucket < ?", arguments: [hourCutoff])
                    report.deletedHourRollups = db.changesCount
                    try db.execute(sql: "DELETE FROM batches_seen WHERE seen_at < ?", arguments: [rawCutoff])
                    report.deletedBatchRecords = db.changesCount
                    try db.execute(
                        sql: "DELETE FROM rollup_dirty WHERE tier IN (?, ?) AND bucket < ?",
                        arguments: [SQLiteRollupTier.minute, SQLiteRollupTier.minutePass, rawCutoff])
                    try db.execute(
                        sql: "DELETE FROM rollup_dirty WHERE tier IN (?, ?) AND bucket < ?",
                        arguments: [SQLiteRollupTier.hour, SQLiteRollupTier.hourPass, minuteCutoff])
                    try SQLiteRollupState.advance(SQLiteRollupTier.rawKeptFrom, to: rawCutoff, in: db)
                    try SQLiteRollupState.advance(SQLiteRollupTier.minutesKeptFrom, to: minuteCutoff, in: db)
                    return report
                }
            }
        }
    }

    /// "yyyy-MM-dd" of every UTC day in [`start`, `end`).
    static func dayNames(from start: Int64, to end: Int64) -> [String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return stride(from: start, to: end, by: 86_400_000).map { formatter.string(from: Date(millisecondsSince1970: $0)) }
    }
}
