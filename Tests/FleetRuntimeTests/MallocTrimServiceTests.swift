import Testing

@testable import FleetRuntime

@Suite struct MallocTrimServiceTests {
    @Test(arguments: [
        ([:], true), (["FLEETWATCH_MALLOC_TRIM": "on"], true), (["FLEETWATCH_MALLOC_TRIM": "off"], false),
        (["FLEETWATCH_MALLOC_TRIM": "0"], false), (["FLEETWATCH_MALLOC_TRIM": "FALSE"], false),
    ])
    func theEnvironmentTurnsItOff(environment: [String: String], enabled: Bool) {
        #expect(MallocTrimService.enabled(in: environment) == enabled)
    }

    @Test func everyProcessRunsItUnlessTurnedOff() {
        #expect(Observability.services.contains { $0 is MallocTrimService } == MallocTrimService.enabled())
    }

    @Test func trimmingIsSafeToCallAnyTime() {
        var kept: [[UInt8]] = (0..<1_000).map { [UInt8](repeating: UInt8($0 % 251), count: 4_096 + $0) }
        kept.removeFirst(500)
        MallocArenas.trim()
        #expect(kept.count == 500 && kept[0].count == 4_596)
    }
}
