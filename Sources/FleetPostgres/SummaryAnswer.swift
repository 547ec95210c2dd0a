import FleetStore
import Foundation

/// A chart's points from the one row `SummaryHistoryStatement` returns: the five-second summaries of closed minutes
/// (a minute row's 5 s slots that had ticks) and the raw ticks around them, merged into buckets of the step (aligned to 1970, as
/// `date_bin` does). PostgreSQL hands over one series' slots per minute row as they are stored; expanding them into
/// points here rather than in SQL halves the statement's time (docs/benchmarks.md, "History queries through REST").
struct SummaryAnswer: Sendable, Equatable {
    static let slotsPerMinute = 12
    static let slotMilliseconds: Int64 = 5_000

    var stepMs: Int64
    /// The start (ms) of each summary row's minute and its number of slots (`widths`); then, row after row, the
    /// row's slots (0–11), their counts, and the series' sums, then minimums, then maximums in them.
    var minutes: [Int64] = []
    var widths: [Int64] = []
    var slots: [Int64] = []
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
        let total = widths.reduce(0, +)
        guard widths.count == minutes.count, widths.allSatisfy({ (0...Int64(Self.slotsPerMinute)).contains($0) }),
            slots.count == total, counts.count == total, stats.count == 3 * total
        else {
            throw Malformed(description: "\(widths.count) widths of \(total) slots, \(slots.count) slots, \(counts.count) "
                + "counts and \(stats.count) statistics for \(minutes.count) minutes")
        }
        guard rawTimes.count == rawValues.count, stepMs > 0 else {
            throw Malformed(description: "\(rawTimes.count) raw times for \(rawValues.count) values, step \(stepMs) ms")
        }
        // Every contribution at its start (µs): a slot's summary, or one raw value.
        var parts: [(time: Int64, point: HistoryPoint)] = []
        parts.reserveCapacity(slots.count + rawTimes.count)
        var first = 0
        for (minute, width) in zip(minutes, widths.map(Int.init)) {
            defer { first += width }
            for index in first..<first + width {
                let start = minute + slots[index] * Self.slotMilliseconds
                guard counts[index] > 0, start >= slotsFrom, start < slotsTo else { continue }
                // The row's statistics: `width` sums, then `width` minimums, then `width` maximums.
                let at = 3 * first + (index - first)
                let point = HistoryPoint(
                    time: .distantPast, min: stats[at + width], max: stats[at + 2 * width], sum: stats[at],
                    count: Int(counts[index]))
                parts.append((start * 1000, point))
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
