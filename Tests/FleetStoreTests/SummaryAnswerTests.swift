import FleetStore
import Foundation
import Testing

@testable import FleetPostgres

/// `SummaryAnswer` turns the summary statement's row into a chart's points: slots of minute rows and raw ticks,
/// merged into buckets of the step as `date_bin` would.
@Suite struct SummaryAnswerTests {
    let minute: Int64 = 1_796_000_040_000 - 1_796_000_040_000 % 60_000

    /// One minute row whose slot `o` holds `o + 1` ticks of sum 10·o, minimum o, maximum o + 100 (slot 3 has no
    /// ticks, so the row leaves it out).
    func answer(step: Int64, from: Int64, to: Int64) -> SummaryAnswer {
        var answer = SummaryAnswer(stepMs: step, slotsFrom: from, slotsTo: to)
        let slots = (0..<12).filter { $0 != 3 }
        answer.minutes = [minute]
        answer.widths = [Int64(slots.count)]
        answer.slots = slots.map(Int64.init)
        answer.counts = slots.map { Int64($0 + 1) }
        answer.stats = slots.map { Double(10 * $0) } + slots.map { Double($0) } + slots.map { Double($0 + 100) }
        return answer
    }

    /// Rows of different widths follow each other in the arrays: a machine reporting every 30 s has two slots a minute.
    @Test func rowsOfDifferentWidthsAreReadApart() throws {
        var sparse = SummaryAnswer(stepMs: 5_000, slotsFrom: minute, slotsTo: minute + 180_000)
        sparse.minutes = [minute, minute + 60_000, minute + 120_000]
        sparse.widths = [2, 1, 2]
        sparse.slots = [0, 6, 0, 0, 6]
        sparse.counts = [1, 1, 1, 1, 1]
        sparse.stats = [1, 2, 1, 2, 1, 2] + [3, 3, 3] + [4, 5, 4, 5, 4, 5]
        let points = try sparse.points()
        #expect(points.map(\.time) == [0, 30_000, 60_000, 120_000, 150_000].map { Date(millisecondsSince1970: minute + $0) })
        #expect(points.map(\.sum) == [1, 2, 3, 4, 5])
    }

    @Test func slotsBecomePointsWithinTheirWindowAndEmptyOnesAreLeftOut() throws {
        let points = try answer(step: 5_000, from: minute + 10_000, to: minute + 30_000).points()
        // Slots 2, 4 and 5 (3 is empty; 6 starts at the window's end).
        #expect(points.map(\.time) == [2, 4, 5].map { Date(millisecondsSince1970: minute + $0 * 5_000) })
        #expect(points.map(\.count) == [3, 5, 6])
        #expect(
            points.first == HistoryPoint(time: Date(millisecondsSince1970: minute + 10_000), min: 2, max: 102, sum: 20, count: 3))
    }

    @Test func aWiderStepMergesSlotsAndRawTicksAsDateBinWould() throws {
        var wide = answer(step: 30_000, from: minute + 5_000, to: minute + 60_000)
        // A raw tick before the summaries (in the minute's first 5 s), and one after the minute, out of order.
        wide.rawTimes = [(minute + 61_500) * 1000 + 250, (minute + 1_000) * 1000]
        wide.rawValues = [-7, 500]
        let points = try wide.points()
        #expect(points.map(\.time) == [0, 30_000, 60_000].map { Date(millisecondsSince1970: minute + $0) })
        // First bucket: the raw tick and slots 1, 2, 4, 5.
        #expect(points[0] == HistoryPoint(time: Date(millisecondsSince1970: minute), min: 1, max: 500, sum: 620, count: 17))
        // Second: slots 6–11.
        #expect(points[1].count == (7...12).reduce(0, +))
        #expect(points[1].min == 6 && points[1].max == 111)
        #expect(
            points[2] == HistoryPoint(time: Date(millisecondsSince1970: minute + 60_000), min: -7, max: -7, sum: -7, count: 1))
    }

    @Test func arraysThatDoNotMatchTheirMinutesAreRefused() {
        var short = answer(step: 5_000, from: minute, to: minute + 60_000)
        short.stats.removeLast()
        #expect(throws: SummaryAnswer.Malformed.self) { try short.points() }
        var raw = answer(step: 5_000, from: minute, to: minute + 60_000)
        raw.rawTimes = [minute * 1000]
        #expect(throws: SummaryAnswer.Malformed.self) { try raw.points() }
    }
}
