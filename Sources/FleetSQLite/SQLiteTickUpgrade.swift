import FleetStore
import GRDB

/// Carries a v1/v2 database forward into the v3 layout, inside the v3 migration: every row of the old
/// row-per-sample `samples` table becomes part of a `ticks` row (one per machine and timestamp, the same
/// grouping as `MachineTick.group`), so an upgrade loses no raw history.
///
/// The old `samples_1m` and `samples_1h` rows were kept exact by the old write path and stay as they are.
/// The watermarks are set so queries keep reading them: the minute watermark at the start of the newest
/// sample's minute, whose minute and hour are marked for the first pass to recompute (that minute may
/// still have been filling). A database without raw samples starts its watermarks after its newest rollup.
enum SQLiteTickUpgrade {
    static func carryForward(_ db: Database) throws {
        let insertTick = try db.makeStatement(sql: "INSERT INTO ticks (machine_id, ts, layout, vals) VALUES (?, ?, ?, ?)")
        var layoutIDs: [SeriesLayout: Int64] = [:]
        var machine = ""
        var ts: Int64 = 0
        var series: [(metric: String, labels: String, value: Double)] = []

        func flush() throws {
            guard !series.isEmpty else { return }
            // SQLite's text order is bytewise; layouts are sorted by Swift's String order.
            series.sort { ($0.metric, $0.labels) < ($1.metric, $1.labels) }
            let layout = SeriesLayout(sorted: series.map { ($0.metric, $0.labels) })
            let id: Int64
            if let known = layoutIDs[layout] {
                id = known
            } else {
                id = try SQLiteLayoutCatalog.resolve(layout, in: db)
                layoutIDs[layout] = id
            }
            try insertTick.execute(arguments: [machine, ts, id, SQLiteTickCodec.encode(series.map(\.value))])
            series.removeAll(keepingCapacity: true)
        }

        let rows = try Row.fetchCursor(
            db, sql: "SELECT machine_id, ts, metric, labels, value FROM samples ORDER BY machine_id, ts")
        while let row = try rows.next() {
            let rowMachine: String = row[0]
            let rowTs: Int64 = row[1]
            if rowMachine != machine || rowTs != ts {
                try flush()
                machine = rowMachine
                ts = rowTs
            }
            series.append((row[2], row[3], row[4]))
        }
        try flush()

        let minute = RollupPolicy.minuteMilliseconds
        let hour = RollupPolicy.hourMilliseconds
        let watermark: Int64
        if let newest = try Int64.fetchOne(db, sql: "SELECT max(ts) FROM samples") {
            watermark = RollupPolicy.floor(newest, to: minute)
            try db.execute(
                sql: "INSERT INTO rollup_dirty (tier, bucket) VALUES (?, ?), (?, ?)",
                arguments: [
                    SQLiteRollupTier.minute, watermark, SQLiteRollupTier.hour, RollupPolicy.floor(newest, to: hour),
                ])
        } else {
            let afterMinutes = try Int64.fetchOne(db, sql: "SELECT max(bucket) FROM samples_1m").map { $0 + minute } ?? 0
            let afterHours = try Int64.fetchOne(db, sql: "SELECT max(bucket) FROM samples_1h").map { $0 + hour } ?? 0
            watermark = max(afterMinutes, afterHours)
        }
        try db.execute(
            sql: "INSERT INTO rollup_state (tier, watermark) VALUES (?, ?), (?, ?)",
            arguments: [
                SQLiteRollupTier.minute, watermark, SQLiteRollupTier.hour,
                RollupPolicy.hourWatermark(minuteWatermark: watermark),
            ])
    }
}
