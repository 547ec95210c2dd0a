import FleetCore
import Testing

@testable import FleetCollector

@Suite("Machine identity")
struct MachineIdentityTests {
    static func fileSystem(machineID: String? = "0123456789abcdef0123456789abcdef\n") -> InMemoryProcFileSystem {
        let fs = InMemoryProcFileSystem(files: [
            "/etc/os-release": Fixture.text("live/os-release"),
            "/proc/sys/kernel/osrelease": Fixture.text("live/osrelease"),
        ])
        if let machineID { fs.set("/etc/machine-id", machineID) }
        return fs
    }

    @Test func buildsFromMachineFiles() throws {
        let identity = try MachineIdentityBuilder(
            labels: ["env": "prod"], agentVersion: "9.9.9", hostname: "web-1", cpuCores: 8
        ).build(fileSystem: Self.fileSystem())
        #expect(identity.machineID == "0123456789abcdef0123456789abcdef")
        #expect(identity.hostname == "web-1")
        #expect(identity.os == "Debian GNU/Linux 12 (bookworm)")
        #expect(identity.kernel == "6.18.44-fc-v657")
        #expect(identity.cpuCores == 8)
        #expect(identity.labels == ["env": "prod"])
        #expect(identity.agentVersion == "9.9.9")
    }

    @Test func overrideWinsWhenValid() throws {
        let identity = try MachineIdentityBuilder(machineIDOverride: "db_primary-01", hostname: "h")
            .build(fileSystem: Self.fileSystem())
        #expect(identity.machineID == "db_primary-01")
    }

    @Test func overrideWithADotIsRejectedWithAClearError() {
        let error = #expect(throws: MachineIDError.self) {
            try MachineIdentityBuilder(machineIDOverride: "web-1.example.com", hostname: "h")
                .build(fileSystem: Self.fileSystem())
        }
        #expect(error?.description.contains("FLEETWATCH_MACHINE_ID") == true)
        #expect(error?.description.contains("no dots") == true)
        #expect(throws: MachineIDError.self) { try MachineID.validate("") }
        #expect(throws: MachineIDError.self) { try MachineID.validate(String(repeating: "a", count: 129)) }
        #expect(throws: Never.self) { try MachineID.validate(String(repeating: "a", count: 128)) }
    }

    @Test func withoutMachineIDTheSanitizedHostnameIsUsed() throws {
        let identity = try MachineIdentityBuilder(hostname: "web-1.example.com")
            .build(fileSystem: Self.fileSystem(machineID: nil))
        #expect(identity.machineID == "web-1-example-com")
        #expect(MachineID.sanitize("...") == nil)
        #expect(MachineID.sanitize("ünïcode host") == "--n--codehost")
    }

    @Test func liveMachineHasAValidIdentity() throws {
        let identity = try MachineIdentityBuilder().build(fileSystem: RootedProcFileSystem())
        #expect(MachineID.isValid(identity.machineID))
        #expect(identity.cpuCores >= 1)
        #expect(!identity.kernel.isEmpty)
    }
}
