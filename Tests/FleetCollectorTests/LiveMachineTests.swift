import FleetCore
import FleetProto
import Foundation
import Testing

@testable import FleetCollector

/// Cross-checks the collector on this machine against `df` and `free` (run here by the test only:
/// the collector itself never shells out), and measures the CPU cost of a tick.
@Suite("Live machine", .serialized)
struct LiveMachineTests {
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func liveBatch() -> Fleetwatch_V1_RawBatch {
        var identity = Fleetwatch_V1_MachineIdentity()
        identity.machineID = "live"
        let collector = MetricCollector(fileSystem: RootedProcFileSystem(), identity: identity)
        return collector.collect(now: .now())
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/bin/df")))
    func rootDiskAgreesWithDf() throws {
        let batch = Self.liveBatch()
        let root = try #require(batch.readings.first { $0.key == ProcReading.fsUsedBytes && $0.labels["mount"] == "/" })
        let avail = try #require(batch.readings.first { $0.key == ProcReading.fsAvailBytes && $0.labels["mount"] == "/" })
        // df -B1 --output=used,avail /  →  header, then "used avail".
        let fields = try Self.run("/bin/df", ["-B1", "--output=used,avail", "/"]).split(separator: "\n")[1]
            .split(separator: " ").compactMap { Double($0) }
        print(
            "live / : collector used=\(UInt64(root.value)) avail=\(UInt64(avail.value)); df used=\(UInt64(fields[0])) avail=\(UInt64(fields[1]))"
        )
        // Other processes write to the disk between the two reads: allow 64 MiB.
        #expect(abs(root.value - fields[0]) < 64 * 1024 * 1024)
        #expect(abs(avail.value - fields[1]) < 64 * 1024 * 1024)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/free")))
    func memoryAgreesWithFree() throws {
        let batch = Self.liveBatch()
        let total = try #require(batch.readings.first { $0.key == ProcReading.memTotalKiB }).value * 1024
        let available = try #require(batch.readings.first { $0.key == ProcReading.memAvailableKiB }).value * 1024
        // free -b: "Mem:  total used free shared buff/cache available"
        let line = try #require(try Self.run("/usr/bin/free", ["-b"]).split(separator: "\n").first { $0.hasPrefix("Mem:") })
        let numbers = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        print(
            "live memory: collector total=\(UInt64(total)) used=\(UInt64(total - available)) available=\(UInt64(available)); free total=\(UInt64(numbers[0])) used=\(UInt64(numbers[1])) available=\(UInt64(numbers[5]))"
        )
        #expect(total == numbers[0])
        #expect(abs((total - available) - numbers[1]) < 64 * 1024 * 1024)
        #expect(abs(available - numbers[5]) < 64 * 1024 * 1024)
    }

    @Test func measureTickCost() {
        var identity = Fleetwatch_V1_MachineIdentity()
        identity.machineID = "live"
        let collector = MetricCollector(fileSystem: RootedProcFileSystem(), identity: identity)
        let result = CollectorBenchmark.measure(collector, ticks: 200)
        let processes = (try? RootedProcFileSystem().processIDs().count) ?? 0
        print("tick cost (this build, \(processes) processes): \(result)")
        #expect(result.readingsPerTick > 10)
        #expect(result.processesRanked > 0)
    }
}
