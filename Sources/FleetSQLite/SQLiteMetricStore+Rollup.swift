import FleetStore
import Foundation
import GRDB

extension SQLiteMetricStore {
    /// Rows written per write transaction when a bucket's rollup rows are replaced: a minute of a large hub is
    /// tens of thousands of rows, and `persist` should not wait behind all of them at once.
    static let rollupRowsPerTransaction = 2_000

    /// Recomputes every marked minute before the minute watermark from its ticks and every marked hour before
    /// the hour watermark from its minutes (see `SQLiteRollupTier` for the marks), then moves the watermarks.
    /// No bucket is ever added to, only replaced, so redeliveries and late samples cannot count twice.
    @discardableResult
    public func rollUp(now: Date) async throws -> RollupReport {
        try await wrap("rollUp") { try await passes.run { try await self.rollUpPass(now: now) } }
    }

    /// One pass; callers run it within `passes`.
    func rollUpPass(now: Date) async throws -> RollupReport {
        let watermark = rollup.minuteWatermark(now: now)
        let hourWatermark = RollupPolicy.hourWatermark(minuteWatermark: watermark)
        var report = RollupReport(minuteWatermark: watermark)

        let (minutes, rawKeptFrom) = try await pool.read { db in
            (
                try Self.marked(SQLiteRollupTier.minute, SQLiteRollupTier.minutePass, before: watermark, in: db),
                try Self.state(SQLiteRollupTier.rawKeptFrom, in: db) ?? 0
            )
        }
        for minute in minutes {
            let hour = RollupPolicy.floor(minute, to: RollupPolicy.hourMilliseconds)
            let done = try await recompute(
                bucket: minute, recomputable: minute >= rawKeptFrom,
                marks: (SQLiteRollupTier.minute, SQLiteRollupTier.minutePass), table: "samples_1m", marksHour: hour
            ) { [layouts] db in
                try SQLiteMinuteFold.read(from: minute, to: minute + RollupPolicy.minuteMilliseconds, layouts: layouts, in: db)
            }
            if done { report.minutes += 1 }
        }

        let (hours, minutesKeptFrom) = try await pool.read { db in
            (
                try Self.marked(SQLiteRollupTier.hour, SQLiteRollupTier.hourPass, before: hourWatermark, in: db),
                try Self.state(SQLiteRollupTier.minutesKeptFrom, in: db) ?? 0
            )
        }
        for hour in hours {
            let done = try await recompute(
                bucket: hour, recomputable: hour >= minutesKeptFrom,
                marks: (SQLiteRollupTier.hour, SQLiteRollupTier.hourPass), table: "samples_1h", marksHour: nil
            ) { db in
                try SQLiteHourFold.read(from: hour, to: hour + RollupPolicy.hourMilliseconds, in: db)
            }
            if done { report.hours += 1 }
        }

        report.minuteWatermark = try await pool.write { db in
            try SQLiteRollupState.advance(SQLiteRollupTier.minute, to: watermark, in: db)
            try SQLiteRollupState.advance(SQLiteRollupTier.hour, to: hourWatermark, in: db)
            return try Self.state(SQLiteRollupTier.minute, in: db) ?? watermark
        }
        if report.minutes > 0 || report.hours > 0 {
            logger.debug("rolled up", metadata: ["minutes": "\(report.minutes)", "hours": "\(report.hours)"])
        }
        return report
    }

    /// Replaces the rollup rows of one bucket: claims its mark (`marks.pending` → `marks.claimed`), folds the
    /// tier below in a snapshot taken after the claim, writes the rows in short transactions and drops the
    /// claim with the last of them (marking `marksHour`, whose rollup now needs recomputing). A bucket whose
    /// lower tier retention has already thinned (`recomputable` false) keeps its rollup; only its mark goes.
    /// Returns whether the bucket was recomputed.
    private func recompute(
        bucket: Int64, recomputable: Bool, marks: (pending: String, claimed: String), table: String,
        marksHour: Int64?, fold: @escaping @Sendable (Database) throws -> [SQLiteRollupRow]
    ) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM rollup_dirty WHERE tier = ? AND bucket = ?", arguments: [marks.pending, bucket])
            if recomputable {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO rollup_dirty (tier, bucket) VALUES (?, ?)", arguments: [marks.claimed, bucket])
            } else {
                try db.execute(sql: "DELETE FROM rollup_dirty WHERE tier = ? AND bucket = ?", arguments: [marks.claimed, bucket])
            }
        }
        guard recomputable else { return false }
        let rows = try await pool.read(fold)
        var start = 0
        repeat {
            let chunk = rows[start..<min(rows.count, start + Self.rollupRowsPerTransaction)]
            let last = chunk.endIndex == rows.count
            try await pool.write { db in
                let replace = try db.cachedStatement(
                    sql: """
                        INSERT INTO \(table) (machine_id, metric, labels, bucket, min, max, sum, count)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (machine_id, metric, labels, bucket) DO UPDATE SET
                            min = excluded.min, max = excluded.max, sum = excluded.sum, count = excluded.count
                        """)
                for row in chunk {
                    let aggregate = row.aggregate
                    try replace.execute(arguments: [
                        row.machineID, row.metric, row.labels, bucket, aggregate.min, aggregate.max, aggregate.sum,
                        aggregate.count,
                    ])
                }
                guard last else { return }
                try db.execute(sql: "DELETE FROM rollup_dirty WHERE tier = ? AND bucket = ?", arguments: [marks.claimed, bucket])
                if let marksHour {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO rollup_dirty (tier, bucket) VALUES (?, ?)",
                        arguments: [SQLiteRollupTier.hour, marksHour])
                }
            }
            start = chunk.endIndex
        } while start < rows.count
        return true
    }

    /// Buckets marked `pending` or `claimed` (left by a pass that died) before `end`, oldest first.
    private static func marked(_ pending: String, _ claimed: String, before end: Int64, in db: Database) throws -> [Int64] {
        try Int64.fetchAll(
            db, sql: "SELECT DISTINCT bucket FROM rollup_dirty WHERE tier IN (?, ?) AND bucket < ? ORDER BY bucket",
            arguments: [pending, claimed, end])
    }

    static func state(_ tier: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT watermark FROM rollup_state WHERE tier = ?", arguments: [tier])
    }
}
