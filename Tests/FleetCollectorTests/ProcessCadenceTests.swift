import Testing

@testable import FleetCollector

@Suite struct ProcessCadenceTests {
    let start = TickTime(wallMillis: 1_700_000_000_000, monotonicNanos: 5_000_000_000)

    /// Whether each of `ticks` ticks, `every` apart, carries processes; `requestedAt` ticks ask for a snapshot.
    func pattern(interval: Duration, every: Duration, ticks: Int, requestedAt: Set<Int> = []) -> [Bool] {
        var cadence = ProcessCadence(interval: interval)
        return (0..<ticks).map { cadence.due(at: start.advanced(by: every * $0), requested: requestedAt.contains($0)) }
    }

    @Test func oneSecondTicksCarryTheListsEveryFiveSecondsFromTheFirst() {
        #expect(pattern(interval: .seconds(5), every: .seconds(1), ticks: 11)
            == [true, false, false, false, false, true, false, false, false, false, true])
    }

    @Test func ticksLongerThanTheIntervalCarryThemEveryTick() {
        #expect(pattern(interval: .seconds(5), every: .seconds(10), ticks: 4) == [true, true, true, true])
        #expect(pattern(interval: .seconds(5), every: .seconds(5), ticks: 4) == [true, true, true, true])
    }

    @Test func aTickThatComesAFewMillisecondsEarlyStillCarriesThem() {
        var cadence = ProcessCadence(interval: .seconds(2))
        let due = [0, 998, 1_996].map { cadence.due(at: start.advanced(by: .milliseconds($0)), requested: false) }
        #expect(due == [true, false, true])
    }

    @Test func aRequestedSnapshotGoesAtOnceAndRestartsTheInterval() {
        #expect(pattern(interval: .seconds(5), every: .seconds(1), ticks: 9, requestedAt: [2])
            == [true, false, true, false, false, false, false, true, false])
    }
}
