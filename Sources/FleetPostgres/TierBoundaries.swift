import Foundation

/// Where two stored forms of raw data begin or end, as the migrations that introduced them set (rollup_state):
/// history reads the legacy row-per-sample table only for ranges that start before `legacyEnd`, and the
/// five-second summaries (`ticks_5s`) only from `fiveSecondsStart` on.
struct TierBoundaries: Sendable, Equatable {
    /// The width of one five-second summary.
    static let summaryMilliseconds: Int64 = 5_000

    /// The end of the row-per-sample table of schema < 5 (the start of time when it never held rows).
    var legacyEnd: Date
    /// The first minute whose summaries the rollup pass wrote (the distant future before schema 9).
    var fiveSecondsStart: Date
}
