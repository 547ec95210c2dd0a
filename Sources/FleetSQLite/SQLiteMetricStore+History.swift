import FleetCore
import FleetStore
import Foundation
import GRDB

extension SQLiteMetricStore {
    /// How far back from the machine's newest tick `latest(machine:)` looks: series silent for longer are not
    /// "current" any more, and the bound keeps the scan to the last hour of the machine's ticks.
    static let latestWindowMs: Int64 = 3_600_000

    /// The newest tick of each layout the machine used in the window holds the newest value of each of its
    /// series; a series in several layouts takes the newest of them.
    public func latest(machine: String) async throws -> [LatestSample] {
        try await wrap("latest") {
            try await pool.read { [layouts] db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT layout, max(ts) AS ts, vals FROM ticks
                        WHERE machine_id = ? AND ts >= (SELECT max(ts) FROM ticks WHERE machine_id = ?) - ?
                        GROUP BY layout ORDER BY layout
                        """, arguments: [machine, machine, Self.latestWindowMs])
                var newest: [SQLiteSeriesKey: (ts: Int64, value: Double)] = [:]
                for row in rows {
                    guard let layout = try layouts.layout(id: row["layout"], in: db) else { continue }
                    let ts: Int64 = row["ts"]
                    let values = SQLiteTickCodec.decode(row["vals"])
                    for (position, value) in values.prefix(layout.count).enumerated() {
                        let name = SQLiteSeriesKey(metric: layout.metrics[position], labels: layout.labels[position])
                        if let seen = newest[name], seen.ts >= ts { continue }
                        newest[name] = (ts, value)
                    }
                }
                return newest.sorted { ($0.key.metric, $0.key.labels) < ($1.key.metric, $1.key.labels) }.map {
                    LatestSample(
                        metric: $0.key.metric, labels: LabelSet.parse($0.key.labels), time: Date(millisecondsSince1970: $0.value.ts),
                        value: $0.value.value)
                }
            }
        }
    }

    /// Raw resolution reads ticks. A rollup resolution reads each bucket from the coarsest tier that holds it for
    /// sure (`SQLiteRollupState`) and folds the rest up from the tiers below in the rollup pass's order, over
    /// whole buckets (those that start before `to`), so the answer is the same before and after `rollUp`.
    public func history(
        machine: String, metric: String, labels: [String: String], from: Date, to: Date, step: Duration?
    ) async throws -> MetricHistory {
        let plan = resolutionPolicy.plan(from: from, to: to, step: step, now: now())
        let series = LabelSet.key(labels)
        let fromMs = from.millisecondsSince1970
        let toMs = to.millisecondsSince1970
        return try await wrap("history") {
            let points = try await pool.read { [layouts] db in
                let reader = SQLiteSeriesReader(machine: machine, metric: metric, labels: series, layouts: layouts, db: db)
                switch (plan.resolution, plan.step) {
                case (.raw, nil):
                    var points: [HistoryPoint] = []
                    try reader.raw(from: fromMs, to: toMs) { ts, value in
                        points.append(HistoryPoint(time: Date(millisecondsSince1970: ts), min: value, max: value, sum: value, count: 1))
                    }
                    return points
                case (.raw, let step?):
                    var fold = SQLiteStepFold(stepMs: step.wholeMilliseconds)
                    try reader.raw(from: fromMs, to: toMs) { ts, value in fold.add(at: ts, SQLiteAggregate(value)) }
                    return fold.points
                case (let resolution, let step):
                    let stepMs = (step ?? resolution.bucket!).wholeMilliseconds
                    let width = resolution == .hour ? RollupPolicy.hourMilliseconds : RollupPolicy.minuteMilliseconds
                    let start = RollupPolicy.floor(fromMs, to: stepMs)
                    let end = RollupPolicy.floor(toMs + width - 1, to: width)
                    let state = try SQLiteRollupState.read(db, from: start, to: end)
                    return try Self.tiered(
                        reader, state: state, hours: resolution == .hour, stepMs: stepMs, from: start, to: end)
                }
            }
            return MetricHistory(resolution: plan.resolution, step: plan.step, points: points)
        }
    }

    /// Buckets [`start`, `end`) of one series at minute (`hours` false) or hour resolution, folded into steps.
    private static func tiered(
        _ reader: SQLiteSeriesReader, state: SQLiteRollupState, hours: Bool, stepMs: Int64, from start: Int64, to end: Int64
    ) throws -> [HistoryPoint] {
        let minute = RollupPolicy.minuteMilliseconds
        let hour = RollupPolicy.hourMilliseconds
        var minutes: [Int64: SQLiteAggregate] = [:]

        // Raw ticks: marked minutes before the minute watermark, and everything from it on.
        var rawRanges = state.dirtyMinutes.sorted()
            .filter { $0 >= start && $0 < min(end, state.minuteWatermark) }
            .map { ($0, $0 + minute) }
        rawRanges.append((max(start, state.minuteWatermark), end))
        for (from, to) in rawRanges where from < to {
            try reader.raw(from: from, to: to) { ts, value in minutes[RollupPolicy.floor(ts, to: minute)].add(value) }
        }

        // 1-minute rows: at minute resolution everywhere before the watermark; at hour resolution only where
        // no 1-hour row answers (marked hours, and from the hour watermark on).
        var minuteRanges = [(start, min(end, state.minuteWatermark))]
        if hours {
            minuteRanges = state.dirtyHours.sorted()
                .filter { $0 >= start && $0 < min(end, state.hourWatermark) }
                .map { ($0, min($0 + hour, state.minuteWatermark)) }
            minuteRanges.append((max(start, state.hourWatermark), min(end, state.minuteWatermark)))
        }
        for (from, to) in minuteRanges {
            try reader.rollups("samples_1m", from: from, to: to) { bucket, aggregate in
                if state.minuteIsRolledUp(bucket) { minutes[bucket] = aggregate }
            }
        }

        var fold = SQLiteStepFold(stepMs: stepMs)
        guard hours else {
            for bucket in minutes.keys.sorted() { fold.add(at: bucket, minutes[bucket]!) }
            return fold.points
        }
        var hourly: [Int64: SQLiteAggregate] = [:]
        for bucket in minutes.keys.sorted() { hourly[RollupPolicy.floor(bucket, to: hour)].merge(minutes[bucket]!) }
        try reader.rollups("samples_1h", from: start, to: min(end, state.hourWatermark)) { bucket, aggregate in
            if state.hourIsRolledUp(bucket) { hourly[bucket] = aggregate }
        }
        for bucket in hourly.keys.sorted() { fold.add(at: bucket, hourly[bucket]!) }
        return fold.points
    }
}

/// Folds aggregates, given oldest first, into `stepMs` buckets aligned to 1970.
struct SQLiteStepFold {
    var stepMs: Int64
    private var buckets: [(start: Int64, aggregate: SQLiteAggregate)] = []

    init(stepMs: Int64) {
        self.stepMs = stepMs
    }

    mutating func add(at ms: Int64, _ aggregate: SQLiteAggregate) {
        let start = RollupPolicy.floor(ms, to: stepMs)
        if let last = buckets.indices.last, buckets[last].start == start {
            buckets[last].aggregate.merge(aggregate)
        } else {
            buckets.append((start, aggregate))
        }
    }

    var points: [HistoryPoint] {
        buckets.map {
            HistoryPoint(
                time: Date(millisecondsSince1970: $0.start), min: $0.aggregate.min, max: $0.aggregate.max,
                sum: $0.aggregate.sum, count: $0.aggregate.count)
        }
    }
}
