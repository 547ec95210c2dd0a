import FleetCore
import FleetProto
import Testing

@Suite struct SeriesBudgetTests {
    func hashes(_ range: Range<Int>) -> [UInt64] { range.map { SeriesHash.of("m\($0)", [:]) } }

    @Test func newSeriesPastTheLimitAreRefusedKnownOnesAlwaysPass() {
        var budget = SeriesBudget(limit: 100)
        #expect(budget.admit(machine: "a", series: hashes(0..<60), atMs: 0).isEmpty)
        // 60 known + 60 new: 40 fit, the last 20 are refused (their positions in this batch).
        let refused = budget.admit(machine: "a", series: hashes(0..<120), atMs: 1_000)
        #expect(refused == Array(100..<120))
        #expect(budget.count(machine: "a") == 100)
        // At the limit, every known series still passes; another machine has its own budget.
        #expect(budget.admit(machine: "a", series: hashes(0..<100), atMs: 2_000).isEmpty)
        #expect(budget.admit(machine: "b", series: hashes(0..<100), atMs: 2_000).isEmpty)
        // 100,000 new series in one go: all but none fit.
        #expect(budget.admit(machine: "a", series: hashes(1_000..<101_000), atMs: 3_000).count == 100_000)
    }

    @Test func seriesNotSeenForTwoWindowsMakeRoom() {
        var budget = SeriesBudget(limit: 10, windowMs: 1_000)
        #expect(budget.admit(machine: "a", series: hashes(0..<10), atMs: 0).isEmpty)
        #expect(budget.admit(machine: "a", series: hashes(10..<11), atMs: 500) == [0])
        // Next window: the old series still count (previous window), so the new one is still refused.
        #expect(budget.admit(machine: "a", series: hashes(10..<11), atMs: 1_200) == [0])
        // Two windows on, only what was seen in the last one counts: the churned-out series made room.
        #expect(budget.admit(machine: "a", series: hashes(10..<15), atMs: 2_300).isEmpty)
        #expect(budget.count(machine: "a") == 5)
    }

    @Test func hashesIgnoreLabelOrderButNotLabels() {
        let one = SeriesHash.of("disk.used", ["mount": "/", "device": "sda"])
        let same = SeriesHash.of("disk.used", ["device": "sda", "mount": "/"])
        #expect(one == same)
        #expect(one != SeriesHash.of("disk.used", ["mount": "/home", "device": "sda"]))
        #expect(one != SeriesHash.of("disk.used", ["mount": "sda", "device": "/"]))
        #expect(SeriesHash.of("a", [:]) != SeriesHash.of("b", [:]))
    }

    @Test func refusedReadingsLeaveTheirBatchInOrder() {
        var batch = Fleetwatch_V1_RawBatch.with {
            $0.readings = (0..<5).map { index in .with { $0.key = "k\(index)" } }
        }
        batch.removeReadings(at: [1, 3])
        #expect(batch.readings.map(\.key) == ["k0", "k2", "k4"])
    }
}
