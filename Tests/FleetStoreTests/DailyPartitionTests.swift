import Foundation
import Testing

@testable import FleetPostgres
@testable import FleetStore

@Suite struct DailyPartitionTests {
    @Test func namesAndBoundsAreUTCDays() {
        // 2026-11-27T12:00:00Z
        let partition = DailyPartition(containingMilliseconds: 1_795_780_800_000)
        #expect(partition.name == "ticks_p20261127")
        #expect(partition.createStatement.contains("PARTITION OF ticks FOR VALUES"))
        #expect(DailyPartition.literal(day: partition.day) == "2026-11-27 00:00:00+00")
        #expect(partition.upperBound.timeIntervalSince(partition.lowerBound) == 86_400)
        #expect(DailyPartition(name: partition.name) == partition)
    }

    @Test func midnightBelongsToTheNewDay() {
        let midnight: Int64 = 1_795_737_600_000  // 2026-11-27T00:00:00Z
        #expect(DailyPartition(containingMilliseconds: midnight).name == "ticks_p20261127")
        #expect(DailyPartition(containingMilliseconds: midnight - 1).name == "ticks_p20261126")
    }

    @Test func leapDaysAndYearEnds() {
        #expect(DailyPartition(name: "samples_p20280229")!.name == "samples_p20280229")
        #expect(DailyPartition(name: "samples_p20281231")!.day + 1 == DailyPartition(name: "samples_p20290101")!.day)
        #expect(DailyPartition(name: "samples_p19700101")!.day == 0)
    }

    @Test func legacyRowPerSamplePartitionsAreRecognized() {
        let legacy = DailyPartition(name: "samples_p20261127")
        #expect(legacy?.parent == .samples)
        #expect(legacy?.day == DailyPartition(name: "ticks_p20261127")?.day)
        #expect(legacy != DailyPartition(name: "ticks_p20261127"))
        #expect(legacy?.createStatement.contains("PARTITION OF samples FOR VALUES") == true)
    }

    @Test func otherNamesAreNotPartitions() {
        #expect(DailyPartition(name: "samples_1m") == nil)
        #expect(DailyPartition(name: "samples_p2026112") == nil)
        #expect(DailyPartition(name: "samples_p20261399") == nil)
    }
}
