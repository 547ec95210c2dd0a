import FleetCore
import FleetProto
import Testing

@testable import FleetLoadgen

/// A simulated machine must look like a real collector to the pipeline: numbered batches of the same series,
/// accepted by the edge and normalized without loss, marked synthetic, and reproducible from its seed.
@Suite struct SimulatedMachineTests {
    static let startMs: Int64 = 1_800_000_000_000

    /// `count` batches one second apart.
    func batches(index: Int = 0, seed: UInt64 = 1, count: Int) -> [Fleetwatch_V1_RawBatch] {
        var machine = SimulatedMachine(index: index, seed: seed, nowMs: Self.startMs)
        return (1...count).map { machine.nextBatch(nowMs: Self.startMs + Int64($0) * 1000) }
    }

    func series(_ batch: Fleetwatch_V1_RawBatch) -> [String] {
        batch.readings.map { "\($0.key)\($0.labels.sorted { $0.key < $1.key })" }
    }

    @Test func batchesAreNumberedFromOneWithoutGapsAndStampedWhenBuilt() {
        let batches = batches(count: 5)
        #expect(batches.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(batches.map(\.timestampMs) == (1...5).map { Self.startMs + Int64($0) * 1000 })
        #expect(batches.allSatisfy { $0.machineID == "sim-0" && $0.identity.machineID == "sim-0" })
    }

    @Test func everyBatchCarriesTheSameSeriesOfAFourCoreHostOnce() {
        let batches = batches(count: 10)
        let first = series(batches[0])
        #expect(Set(first).count == first.count, "a series twice in one batch")
        #expect(batches.allSatisfy { series($0) == first })
        let cores = batches[0].readings.filter { $0.key == ProcReading.cpuBusyRatio }.map { $0.labels["cpu"] ?? "" }
        #expect(cores == ["total", "0", "1", "2", "3"])
        #expect(batches[0].identity.cpuCores == Int32(SimulatedMachine.cores))
        // per-core CPU 5, iowait 1, load 3, memory 2, swap 2, two mounts 4, two disks 4, two interfaces 4,
        // processes 1, uptime 1
        #expect(first.count == 27)
    }

    @Test func theEdgeAcceptsAndTheNormalizerKeepsEveryReading() throws {
        for batch in batches(index: 7, count: 20) {
            let nowMs = batch.timestampMs
            try batch.validate(nowMs: nowMs)
            let normalized = try Normalizer().normalize(batch, receivedMs: nowMs, nowMs: nowMs)
            #expect(normalized.unknownKeys.isEmpty && normalized.dropped.isEmpty)
            #expect(!normalized.batch.samples.isEmpty)
        }
    }

    @Test func machinesAreSyntheticAndSpreadOverThreeEnvironments() {
        let labels = (0..<6).map { batches(index: $0, count: 1)[0].identity.labels }
        #expect(labels.allSatisfy { SyntheticMachine.isSynthetic(labels: $0) && $0[SyntheticMachine.label] == "loadgen" })
        #expect(labels.map { $0["env"] } == ["prod", "staging", "dev", "prod", "staging", "dev"])
        #expect(batches(index: 4, count: 1)[0].identity.hostname == "sim-4.sim")
    }

    @Test func uptimeCountsFromADayBeforeTheMachineWasMade() throws {
        let batch = batches(count: 3)[2]
        let uptime = try #require(batch.readings.first { $0.key == ProcReading.uptimeSeconds })
        #expect(uptime.value == 86_400 + 3)
    }

    @Test func aSeedReproducesARunAndEachMachineWalksItsOwnWay() {
        #expect(batches(index: 3, seed: 42, count: 5) == batches(index: 3, seed: 42, count: 5))
        let values = { (index: Int, seed: UInt64) in
            self.batches(index: index, seed: seed, count: 5).map { $0.readings.map(\.value) }
        }
        #expect(values(3, 42) != values(4, 42))
        #expect(values(3, 42) != values(3, 43))
    }

    @Test func theRandomWalkStaysWithinItsBounds() async {
        var machine = SimulatedMachine(index: 1, seed: 9, nowMs: Self.startMs)
        let memTotal = 16_384_000.0
        for tick in 1...2_000 {
            let batch = machine.nextBatch(nowMs: Self.startMs + Int64(tick) * 1000)
            for reading in batch.readings {
                switch reading.key {
                case ProcReading.cpuBusyRatio: #expect((0.01...0.99).contains(reading.value))
                case ProcReading.memAvailableKiB: #expect((memTotal * 0.1...memTotal * 0.9).contains(reading.value))
                case ProcReading.loadavg1: #expect((0...8).contains(reading.value))
                default: #expect(reading.value.isFinite && reading.value >= 0)
                }
            }
            if tick % 200 == 0 { await Task.yield() }
        }
    }

    @Test func splitMixGivesUnitValuesInHalfOpenRange() {
        var random = SplitMix64(seed: 0)
        var again = SplitMix64(seed: 0)
        #expect(random.next() == again.next())
        let values = (0..<10_000).map { _ in random.unit() }
        #expect(values.allSatisfy { (0..<1).contains($0) })
        // Roughly uniform: each tenth of [0, 1) gets 10 % ± 2 %.
        let tenths = Dictionary(grouping: values) { Int($0 * 10) }.mapValues(\.count)
        #expect(tenths.count == 10 && tenths.values.allSatisfy { (800...1200).contains($0) })
    }
}
