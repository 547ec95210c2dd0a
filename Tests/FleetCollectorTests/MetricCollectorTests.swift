import FleetCore
import FleetProto
import Foundation
import Testing

@testable import FleetCollector

@Suite("MetricCollector")
struct MetricCollectorTests {
    static let start = TickTime(wallMillis: 1_700_000_000_000, monotonicNanos: 50_000_000_000)

    /// A machine in memory at its first tick; `advance()` switches the counters to the second tick.
    static func machine() -> InMemoryProcFileSystem {
        let fs = InMemoryProcFileSystem(
            files: [
                "/proc/stat": Fixture.text("edge/stat_tick1"),
                "/proc/meminfo": Fixture.text("live/meminfo"),
                "/proc/loadavg": Fixture.text("live/loadavg"),
                "/proc/uptime": "200.00 300.00\n",
                "/proc/diskstats": Fixture.text("edge/diskstats_tick1"),
                "/proc/net/dev": Fixture.text("edge/net_dev_tick1"),
                "/proc/mounts": Fixture.text("edge/mounts"),
                "/etc/passwd": Fixture.text("edge/passwd"),
                // clock ticks 100/s: pid 10 started at 100 s with 5 s of CPU; pid 20 started at 150 s with 1 s.
                "/proc/10/stat": "10 (postgres) S 1 10 10 0 -1 0 0 0 0 0 300 200 0 0 20 0 1 0 10000 1000 5000 0\n",
                "/proc/10/status": "Name:\tpostgres\nUid:\t105\t105\t105\t105\n",
                "/proc/20/stat": "20 (worker) R 1 20 20 0 -1 0 0 0 0 0 100 0 0 0 20 0 1 0 15000 1000 100 0\n",
                "/proc/20/status": "Name:\tworker\nUid:\t1000\t1000\t1000\t1000\n",
                "/proc/30/stat": "30 (idle thing) S 1 30 30 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 9000 0\n",
                "/proc/30/status": "Name:\tidle thing\nUid:\t4242\t4242\t4242\t4242\n",
            ],
            usages: [
                "/": FileSystemUsage(fragmentSize: 4096, blocks: 1000, freeBlocks: 400, availableBlocks: 350),
                "/data": FileSystemUsage(fragmentSize: 1024, blocks: 10, freeBlocks: 10, availableBlocks: 10),
                // "/mnt/my disk" has no statvfs (not visible): skipped.
                "/mnt/nfs": FileSystemUsage(fragmentSize: 512, blocks: 0, freeBlocks: 0, availableBlocks: 0),
            ])
        return fs
    }

    static func advance(_ fs: InMemoryProcFileSystem) {
        fs.set("/proc/stat", Fixture.text("edge/stat_tick2"))
        fs.set("/proc/diskstats", Fixture.text("edge/diskstats_tick2"))
        fs.set("/proc/net/dev", Fixture.text("edge/net_dev_tick2"))
        fs.set("/proc/uptime", "205.00 300.00\n")
        // In 5 s pid 10 used 2.5 s of CPU (50 %), pid 20 used 0.5 s (10 %).
        fs.set("/proc/10/stat", "10 (postgres) S 1 10 10 0 -1 0 0 0 0 0 500 250 0 0 20 0 1 0 10000 1000 5000 0\n")
        fs.set("/proc/20/stat", "20 (worker) R 1 20 20 0 -1 0 0 0 0 0 150 0 0 0 20 0 1 0 15000 1000 100 0\n")
    }

    static func collector(_ fs: InMemoryProcFileSystem, top: Int = 10) -> MetricCollector<InMemoryProcFileSystem> {
        var identity = Fleetwatch_V1_MachineIdentity()
        identity.machineID = "m-1"
        return MetricCollector(
            fileSystem: fs, identity: identity, topProcesses: top, clockTicksPerSecond: 100, pageSize: 4096)
    }

    static func value(_ batch: Fleetwatch_V1_RawBatch, _ key: String, _ labels: [String: String] = [:]) -> Double? {
        batch.readings.first { $0.key == key && $0.labels == labels }?.value
    }

    @Test func firstTickHasNoRates() {
        let fs = Self.machine()
        let batch = Self.collector(fs).collect(now: Self.start)
        #expect(batch.source == "proc")
        #expect(batch.machineID == "m-1")
        #expect(batch.identity.machineID == "m-1")
        #expect(batch.timestampMs == 1_700_000_000_000)
        #expect(batch.sequence == 0)
        let keys = Set(batch.readings.map(\.key))
        #expect(!keys.contains(ProcReading.cpuBusyRatio))
        #expect(!keys.contains(ProcReading.diskSectorsReadPerSecond))
        #expect(!keys.contains(ProcReading.netRxBytesPerSecond))
        #expect(Self.value(batch, ProcReading.memTotalKiB) == 24_684_092)
        #expect(Self.value(batch, ProcReading.memAvailableKiB) == 23_873_716)
        #expect(Self.value(batch, ProcReading.swapTotalKiB) == 0)
        #expect(Self.value(batch, ProcReading.swapFreeKiB) == 0)
        #expect(Self.value(batch, ProcReading.loadavg1) == 2.65)
        #expect(Self.value(batch, ProcReading.loadavg15) == 0.71)
        #expect(Self.value(batch, ProcReading.uptimeSeconds) == 200)
        #expect(Self.value(batch, ProcReading.processCount) == 3)
    }

    @Test func secondTickHasRatesFromDeltasOverMonotonicTime() {
        let fs = Self.machine()
        let collector = Self.collector(fs)
        _ = collector.collect(now: Self.start)
        Self.advance(fs)
        // Wall clock stepped back an hour: rates must use the monotonic 5 s.
        let now = TickTime(
            wallMillis: Self.start.wallMillis - 3_600_000, monotonicNanos: Self.start.monotonicNanos + 5_000_000_000)
        let batch = collector.collect(now: now)
        #expect(Self.value(batch, ProcReading.cpuBusyRatio, ["cpu": "total"]) == 0.4)
        #expect(Self.value(batch, ProcReading.cpuIowaitRatio, ["cpu": "total"]) == 0.1)
        #expect(Self.value(batch, ProcReading.cpuBusyRatio, ["cpu": "0"]) == 0.25)
        #expect(Self.value(batch, ProcReading.cpuBusyRatio, ["cpu": "1"]) == 0.4375)
        #expect(Self.value(batch, ProcReading.diskSectorsReadPerSecond, ["device": "sda"]) == 200)
        #expect(Self.value(batch, ProcReading.diskSectorsWrittenPerSecond, ["device": "sda"]) == 2000)
        #expect(Self.value(batch, ProcReading.diskSectorsReadPerSecond, ["device": "nvme0n1"]) == 100)
        #expect(Self.value(batch, ProcReading.diskSectorsReadPerSecond, ["device": "sda1"]) == nil)
        #expect(Self.value(batch, ProcReading.diskSectorsReadPerSecond, ["device": "loop0"]) == nil)
        #expect(Self.value(batch, ProcReading.netRxBytesPerSecond, ["iface": "eth0"]) == 200_000)
        #expect(Self.value(batch, ProcReading.netTxBytesPerSecond, ["iface": "eth0"]) == 100_000)
        #expect(Self.value(batch, ProcReading.netRxBytesPerSecond, ["iface": "wlan0"]) == 0)
        #expect(Self.value(batch, ProcReading.netRxBytesPerSecond, ["iface": "lo"]) == nil)
    }

    @Test func loopbackOnlyWhenConfigured() {
        let fs = Self.machine()
        let collector = Self.collector(fs)
        collector.includeLoopback = true
        _ = collector.collect(now: Self.start)
        Self.advance(fs)
        let batch = collector.collect(now: Self.start.advanced(by: .seconds(5)))
        #expect(Self.value(batch, ProcReading.netRxBytesPerSecond, ["iface": "lo"]) == 1000)
    }

    @Test func fileSystemsUseDfSemanticsAndNoSizeReading() {
        let batch = Self.collector(Self.machine()).collect(now: Self.start)
        let root = ["mount": "/", "fstype": "overlay"]
        #expect(Self.value(batch, ProcReading.fsUsedBytes, root) == Double((1000 - 400) * 4096))
        #expect(Self.value(batch, ProcReading.fsAvailBytes, root) == Double(350 * 4096))
        #expect(Self.value(batch, ProcReading.fsUsedBytes, ["mount": "/data", "fstype": "ext4"]) == 0)
        #expect(Self.value(batch, ProcReading.fsAvailBytes, ["mount": "/data", "fstype": "ext4"]) == 10240)
        #expect(!batch.readings.contains { $0.labels["mount"] == "/mnt/my disk" || $0.labels["mount"] == "/mnt/nfs" })
        #expect(!batch.readings.contains { $0.key == ProcReading.fsSizeBytes })
    }

    @Test func everyReadingIsInTheProcVocabulary() {
        let fs = Self.machine()
        let collector = Self.collector(fs)
        _ = collector.collect(now: Self.start)
        Self.advance(fs)
        let batch = collector.collect(now: Self.start.advanced(by: .seconds(5)))
        let vocabulary: Set<String> = [
            ProcReading.cpuBusyRatio, ProcReading.cpuIowaitRatio, ProcReading.loadavg1, ProcReading.loadavg5,
            ProcReading.loadavg15, ProcReading.memTotalKiB, ProcReading.memAvailableKiB, ProcReading.swapTotalKiB,
            ProcReading.swapFreeKiB, ProcReading.fsUsedBytes, ProcReading.fsAvailBytes,
            ProcReading.diskSectorsReadPerSecond, ProcReading.diskSectorsWrittenPerSecond,
            ProcReading.netRxBytesPerSecond, ProcReading.netTxBytesPerSecond, ProcReading.processCount,
            ProcReading.uptimeSeconds,
        ]
        #expect(Set(batch.readings.map(\.key)).isSubset(of: vocabulary))
        #expect(Set(batch.readings.map(\.key)) == vocabulary)
    }

    @Test func processSnapshotRanksByCPUDeltaAndRSS() throws {
        let fs = Self.machine()
        let collector = Self.collector(fs, top: 2)
        let first = collector.collect(now: Self.start)
        // First sight of a process: lifetime average like ps. pid 10: 5 s CPU over 100 s of life.
        #expect(first.processes.byCpu.first?.pid == 10)
        #expect(first.processes.byCpu.first?.cpuPercent == 5)
        Self.advance(fs)
        let batch = collector.collect(now: Self.start.advanced(by: .seconds(5)))
        let snapshot = batch.processes
        #expect(snapshot.timestampMs == Self.start.wallMillis + 5000)
        #expect(snapshot.byCpu.map(\.pid) == [10, 20])
        #expect(snapshot.byCpu.map(\.cpuPercent) == [50, 10])
        #expect(snapshot.byCpu[0].name == "postgres")
        #expect(snapshot.byCpu[0].user == "postgres")
        #expect(snapshot.byCpu[1].user == "alice")
        #expect(snapshot.byMemory.map(\.pid) == [30, 10])
        #expect(snapshot.byMemory[0].rssBytes == 9000 * 4096)
        #expect(snapshot.byMemory[0].name == "idle thing")
        #expect(snapshot.byMemory[0].user == "4242")  // unknown uid shown as the number, like ps
        #expect(snapshot.byMemory[0].cpuPercent == 0)
    }

    @Test func processesCanBeLeftOut() {
        let batch = Self.collector(Self.machine()).collect(now: Self.start, includeProcesses: false)
        #expect(!batch.hasProcesses)
        #expect(Self.value(batch, ProcReading.processCount) == 3)
    }

    @Test func aReusedPidIsNotComparedWithTheOldProcess() {
        let fs = Self.machine()
        let collector = Self.collector(fs)
        _ = collector.collect(now: Self.start)
        // pid 20 exited and a new process got the pid (different start time), with 1 s of CPU over 1 s of life.
        fs.set("/proc/uptime", "205.00 300.00\n")
        fs.set("/proc/20/stat", "20 (newcomer) R 1 20 20 0 -1 0 0 0 0 0 100 0 0 0 20 0 1 0 20400 1000 100 0\n")
        let batch = collector.collect(now: Self.start.advanced(by: .seconds(5)))
        let info = batch.processes.byCpu.first { $0.pid == 20 }
        #expect(info?.name == "newcomer")
        #expect(info?.cpuPercent == 100)
    }

    @Test func missingSectionsAreSkipped() {
        let fs = Self.machine()
        fs.files["/proc/diskstats"] = nil
        fs.files["/proc/net/dev"] = nil
        let batch = Self.collector(fs).collect(now: Self.start)
        #expect(Self.value(batch, ProcReading.memTotalKiB) == 24_684_092)
    }

    @Test func rootedFileSystemReadsAFixtureTree() throws {
        let root = Fixture.temporaryDirectory()
        let fs = RootedProcFileSystem(root: root)
        #expect(throws: ProcFileSystemError.self) { try fs.readString("/proc/stat") }
        let live = RootedProcFileSystem()
        let pids = try live.processIDs()
        #expect(pids.contains(getpidValue()))
        let usage = try live.fileSystemUsage(of: "/")
        #expect(usage.blocks > 0)
        // A file bigger than the initial 64 KiB buffer grows it.
        let big = String(repeating: "x", count: 200_000)
        try big.write(toFile: root + "/big", atomically: true, encoding: .utf8)
        #expect(try fs.withContents(of: "/big") { $0.count } == 200_000)
    }

    @Test func keptProcessStatFilesAreReReadAndClosedWhenUnused() throws {
        let live = RootedProcFileSystem()
        let me = getpidValue()
        let first = try #require(try live.withProcessFile(pid: me, "stat", ProcessStatParser.parse))
        #expect(live.keptProcessFileCount == 1)
        live.endProcessScan()
        // Burn some CPU so utime+stime moves, then read through the kept descriptor.
        var x = 0.0
        for i in 0..<20_000_000 { x += Double(i).squareRoot() }
        #expect(x > 0)
        let second = try #require(try live.withProcessFile(pid: me, "stat", ProcessStatParser.parse))
        #expect(second.pid == me && second.startTicks == first.startTicks)
        #expect(second.cpuTicks > first.cpuTicks)
        live.endProcessScan()
        live.endProcessScan()  // a scan that did not read this pid closes its file
        #expect(live.keptProcessFileCount == 0)
        #expect(throws: ProcFileSystemError.self) { try live.withProcessFile(pid: Int32.max, "stat") { $0.count } }
    }
}

private func getpidValue() -> Int32 { ProcessInfo.processInfo.processIdentifier }
