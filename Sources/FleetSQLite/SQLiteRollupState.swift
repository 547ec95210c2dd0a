import FleetStore
import GRDB

/// Names of the rows of `rollup_dirty` and `rollup_state`.
///
/// `rollup_dirty` marks buckets whose rollup is missing or stale: `persist` marks the minute of every tick it
/// inserts ('m'); a pass recomputing a minute marks its hour ('h'). While a pass works on a bucket, the mark
/// is 'm-pass' or 'h-pass' instead: a tick arriving meanwhile marks the bucket 'm' again, so the next pass
/// redoes it rather than the current one deleting a mark its snapshot did not see. A pass that dies leaves
/// its '-pass' mark behind, and the next pass takes it up.
///
/// `rollup_state` holds the watermarks (everything before 'm' / 'h' that is not marked is rolled up) and how
/// far retention has deleted raw ticks and 1-minute rows ('raw-kept-from', 'm-kept-from'): a bucket before
/// that cannot be recomputed from the tier below any more, so its rollup stays as it is.
enum SQLiteRollupTier {
    static let minute = "m"
    static let minutePass = "m-pass"
    static let hour = "h"
    static let hourPass = "h-pass"
    static let rawKeptFrom = "raw-kept-from"
    static let minutesKeptFrom = "m-kept-from"
}

/// What the rollup tables hold for sure, read in the same snapshot as the rows a history query then reads:
/// a minute is answered by `samples_1m` when it is before the minute watermark and not marked; an hour by
/// `samples_1h` when it is before the hour watermark and neither it nor any of its minutes is marked.
/// Everything else is computed from the tier below, so an answer never depends on when the pass last ran.
struct SQLiteRollupState: Sendable {
    var minuteWatermark: Int64 = 0
    var hourWatermark: Int64 = 0
    var rawKeptFrom: Int64 = 0
    var minutesKeptFrom: Int64 = 0
    /// Marked minutes in the range read, except those before `rawKeptFrom` (final, see `SQLiteRollupTier`).
    var dirtyMinutes: Set<Int64> = []
    /// Hours marked themselves or holding a marked minute, in the range read.
    var dirtyHours: Set<Int64> = []

    /// The state, with the marks of buckets in [`from`, `to`).
    /// Moves the mark `tier` forward to `milliseconds`, never back (a pass or retention run with an older
    /// clock must not hand rolled-up or deleted buckets back).
    static func advance(_ tier: String, to milliseconds: Int64, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO rollup_state (tier, watermark) VALUES (?, ?)
                ON CONFLICT (tier) DO UPDATE SET watermark = max(watermark, excluded.watermark)
                """
        ).execute(arguments: [tier, milliseconds])
    }

    static func read(_ db: Database, from: Int64, to: Int64) throws -> SQLiteRollupState {
        var state = SQLiteRollupState()
        for row in try Row.fetchAll(db, sql: "SELECT tier, watermark FROM rollup_state") {
            let value: Int64 = row["watermark"]
            switch row["tier"] as String {
            case SQLiteRollupTier.minute: state.minuteWatermark = value
            case SQLiteRollupTier.hour: state.hourWatermark = value
            case SQLiteRollupTier.rawKeptFrom: state.rawKeptFrom = value
            case SQLiteRollupTier.minutesKeptFrom: state.minutesKeptFrom = value
            default: break
            }
        }
        let marks = try Row.fetchAll(
            db,
            sql: """
                SELECT tier, bucket FROM rollup_dirty WHERE tier IN (?, ?, ?, ?) AND bucket >= ? AND bucket < ?
                """,
            arguments: [
                SQLiteRollupTier.minute, SQLiteRollupTier.minutePass, SQLiteRollupTier.hour, SQLiteRollupTier.hourPass,
                RollupPolicy.floor(from, to: RollupPolicy.hourMilliseconds), to,
            ])
        for row in marks {
            let bucket: Int64 = row["bucket"]
            switch row["tier"] as String {
            case SQLiteRollupTier.minute, SQLiteRollupTier.minutePass:
                guard bucket >= state.rawKeptFrom else { continue }
                state.dirtyMinutes.insert(bucket)
                state.dirtyHours.insert(RollupPolicy.floor(bucket, to: RollupPolicy.hourMilliseconds))
            default:
                guard bucket >= state.minutesKeptFrom else { continue }
                state.dirtyHours.insert(bucket)
            }
        }
        return state
    }

    func minuteIsRolledUp(_ minute: Int64) -> Bool {
        minute < minuteWatermark && !dirtyMinutes.contains(minute)
    }

    func hourIsRolledUp(_ hour: Int64) -> Bool {
        hour < hourWatermark && !dirtyHours.contains(hour)
    }
}
