import FleetCore
import FleetProto
import FleetSettings
import Testing

@testable import FleetCollector

/// The collector never sends an identity the edge would refuse: every batch would be dropped.
@Suite("Identity within the edge's limits")
struct IdentityLimitsTests {
    @Test func longDiscoveredStringsAreCutToTheLimitsOnACharacterBoundary() throws {
        let fs = MachineIdentityTests.fileSystem()
        fs.set("/etc/os-release", "PRETTY_NAME=\"\(String(repeating: "é", count: 200))\"\n")
        fs.set("/proc/sys/kernel/osrelease", String(repeating: "k", count: 300) + "\n")
        let identity = try MachineIdentityBuilder(
            agentVersion: String(repeating: "v", count: 100), hostname: String(repeating: "h", count: 1 << 20),
            cpuCores: 1 << 20
        ).build(fileSystem: fs)
        let limits = BatchLimits.standard
        #expect(identity.hostname.utf8.count == limits.maxHostnameLength)
        #expect(identity.os == String(repeating: "é", count: limits.maxOSLength / 2))
        #expect(identity.kernel.utf8.count == limits.maxKernelLength)
        #expect(identity.agentVersion.utf8.count == limits.maxAgentVersionLength)
        #expect(identity.cpuCores == limits.maxCPUCores)

        var batch = Fleetwatch_V1_RawBatch()
        batch.machineID = identity.machineID
        batch.identity = identity
        batch.sequence = 1
        batch.source = ProcReading.source
        batch.timestampMs = 1_800_000_000_000
        try batch.validate(nowMs: batch.timestampMs)
    }

    @Test func prefixNeverSplitsACharacter() {
        #expect(MachineIdentityBuilder.prefix("aé", maxBytes: 2) == "a")
        #expect(MachineIdentityBuilder.prefix("aé", maxBytes: 3) == "aé")
        #expect(MachineIdentityBuilder.prefix("", maxBytes: 0) == "")
    }

    @Test func labelsOutsideTheLimitsAreRefusedAtStart() {
        var configuration = CollectorConfiguration(dataDirectory: "/tmp/x")
        configuration.labels = ["env": String(repeating: "v", count: 257)]
        let value = #expect(throws: ConfigError.self) { try configuration.validate() }
        #expect(value?.setting == "FLEETWATCH_LABELS")
        #expect(value?.expected == "label values of at most 256 bytes")
        configuration.labels = Dictionary(uniqueKeysWithValues: (0..<33).map { ("l\($0)", "v") })
        let count = #expect(throws: ConfigError.self) { try configuration.validate() }
        #expect(count?.expected == "at most 32 labels")
        configuration.labels = ["env": "prod"]
        #expect(throws: Never.self) { try configuration.validate() }
    }
}
