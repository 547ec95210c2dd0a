import FleetStore
import Foundation

/// A chart's points from the one row `SummaryHistoryStatement` returns: the five-second summaries of closed minutes
/// (twelve slots per minute row) and the raw ticks around them, merged into buckets of the step (aligned to 1970, as
/// `date_bin` does). PostgreSQL hands over one series' slots per minute row as they are stored; expanding them into
/// points here rather than in SQL halves the statement's time (docs/benchmarks.md, "History queries through REST").
struct SummaryAnswer: Sendable, Equatable {
    static let slotsPerMinute = 12
    static let slotMilliseconds: Int64 = 5_000

    var stepMs: Int64
    /// The start (ms) of each summary row's minute; per row, twelve slots' counts, and the series' twelve sums, then
    /// twelve minimums, then twelve maximums.
    var minutes: [Int64] = []
    var counts: [Int64] = []
    var stats: [Double] = []
    /// The slots that answer: those that start in [slotsFrom, slotsTo) (ms); raw ticks answer the rest.
    var slotsFrom: Int64
    var slotsTo: Int64
    /// Raw ticks of the series: times in microseconds since 1970, and values.
    var rawTimes: [Int64] = []
    var rawValues: [Double] = []

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    func points() throws -> [HistoryPoint] {
        let slots = minutes.count * Self.slotsPerMinute
        guard counts.count == slots, stats.count == 3 * slots else {
            throw Malformed(description: "\(counts.count) counts and \(stats.count) statistics for \(minutes.count) minutes")
        }
        guard rawTimes.count == rawValues.count, stepMs > 0 else {
            throw Malformed(description: "\(rawTimes.count) raw times for \(rawValues.count) values, step \(stepMs) ms")
        }
        // Every contribution at its start (µs): a slot's summary, or one raw value.
        var parts: [(time: Int64, point: HistoryPoint)] = []
        parts.reserveCapacity(slots + rawTimes.count)
        for (row, minute) in minutes.enumerated() {
            let base = 3 * row * Self.slotsPerMinute
            for slot in 0..<Self.slotsPerMinute {
                let start = minute + Int64(slot) * Self.slotMilliseconds
                let count = counts[row * Self.slotsPerMinute + slot]
                guard count > 0, start >= slotsFrom, start < slotsTo else { continue }
                let (sum, low, high) = (
                    stats[base + slot], stats[base + Self.slotsPerMinute + slot], stats[base + 2 * Self.slotsPerMinute + slot]
                )
                parts.append((start * 1000, HistoryPoint(time: .distantPast, min: low, max: high, sum: sum, count: Int(count))))
            }
        }
        for (time, value) in zip(rawTimes, rawValues) {
            parts.append((time, HistoryPoint(time: .distantPast, min: value, max: value, sum: value, count: 1)))
        }
        if zip(parts, parts.dropFirst()).contains(where: { $0.time > $1.time }) {
            parts.sort { $0.time < $1.time }
        }
        let width = stepMs * 1000
        var points: [HistoryPoint] = []
        var current: (bucket: Int64, point: HistoryPoint)?
        for (time, part) in parts {
            let bucket = (time >= 0 ? time / width : (time - width + 1) / width) * stepMs
            if var open = current, open.bucket == bucket {
                open.point.min = Swift.min(open.point.min, part.min)
                open.point.max = Swift.max(open.point.max, part.max)
                open.point.sum += part.sum
                open.point.count += part.count
                current = open
                continue
            }
            if let open = current { points.append(open.point) }
            var first = part
            first.time = Date(millisecondsSince1970: bucket)
            current = (bucket, first)
        }
        if let open = current { points.append(open.point) }
        return points
    }
}
