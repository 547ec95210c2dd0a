import Foundation

/// When a rollup bucket is closed, so the periodic rollup pass (`MetricStore.rollUp(now:)`) aggregates each
/// bucket once from its raw ticks instead of upserting two rollup rows per sample on the write path.
///
/// A 1-minute bucket closes `grace` after it ends (samples arrive a little after their timestamp); a 1-hour
/// bucket closes once all its minutes are closed. Data that arrives later than that (an outbox backfill)
/// marks its bucket dirty again and the next pass recomputes it from raw, so rollups stay exact.
/// Until a bucket is rolled up, history queries read it from raw ticks: answers never wait for the pass.
public struct RollupPolicy: Sendable, Equatable {
    public static let minuteMilliseconds: Int64 = 60_000
    public static let hourMilliseconds: Int64 = 3_600_000

    /// How late a sample may arrive before its minute is considered closed.
    public var grace: Duration

    public init(grace: Duration = .seconds(10)) {
        self.grace = grace
    }

    /// Start of the first minute that is not closed at `now` (ms since 1970): every minute before it is closed.
    public func minuteWatermark(now: Date) -> Int64 {
        Self.floor(now.millisecondsSince1970 - grace.wholeMilliseconds, to: Self.minuteMilliseconds)
    }

    /// Start of the first hour with a minute that is not rolled up, given the minute watermark.
    public static func hourWatermark(minuteWatermark: Int64) -> Int64 {
        floor(minuteWatermark, to: hourMilliseconds)
    }

    /// `ms` rounded down to a multiple of `width` (also for times before 1970).
    public static func floor(_ ms: Int64, to width: Int64) -> Int64 {
        ms - ((ms % width) + width) % width
    }
}

/// What one rollup pass did.
public struct RollupReport: Sendable, Equatable {
    /// 1-minute buckets (re)computed from raw ticks.
    public var minutes: Int
    /// 1-hour buckets (re)computed from 1-minute rollups.
    public var hours: Int
    /// Everything before this (ms since 1970) is rolled up into 1-minute rows.
    public var minuteWatermark: Int64

    public init(minutes: Int = 0, hours: Int = 0, minuteWatermark: Int64 = 0) {
        self.minutes = minutes
        self.hours = hours
        self.minuteWatermark = minuteWatermark
    }
}
