import FleetCore
import FleetProto
import Foundation
import NIOCore
import NIOPosix
import FleetThreads
import Testing

@testable import FleetCollector

/// What keeps the agent light (issue 14): fewer file-system calls and thread hops per tick, same readings.
@Suite("Agent footprint")
struct AgentFootprintTests {
    private static func files(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/batches").sorted()
    }

    // MARK: - The outbox hands fresh batches over from memory and recycles its marker file

    @Test func theNewestBatchesAreHandedOverFromMemoryOlderOnesFromTheirFiles() throws {
        let directory = Fixture.temporaryDirectory()
        let buffer = try BatchBuffer(directory: directory, durable: false)
        let count = BatchBuffer.recentLimit + 2
        for marker in 1...count { try buffer.append(BatchBufferTests.batch(Int64(marker))) }
        func remove(_ sequence: Int) throws {
            let name = String(repeating: "0", count: 20 - String(sequence).count) + String(sequence) + ".pb"
            try FileManager.default.removeItem(atPath: directory + "/batches/" + name)
        }
        // Behind the buffer's back: the newest batch's file and the oldest one's go.
        try remove(count)
        try remove(1)
        let pending = buffer.pending()
        // The newest comes from memory; the oldest had to be read, could not be, and is dropped as unreadable.
        #expect(pending.map(\.sequence) == (2...count).map(UInt64.init))
        #expect(pending.last?.timestampMs == Int64(count))
        #expect(buffer.droppedBatches == 1)
        // Acked, it is gone from memory too.
        #expect(buffer.ack(UInt64(count)))
        #expect(buffer.pending().map(\.sequence) == (2..<count).map(UInt64.init))
    }

    @Test func aReopenedOutboxReadsEveryBatchFromItsFile() throws {
        let directory = Fixture.temporaryDirectory()
        do {
            let buffer = try BatchBuffer(directory: directory, durable: true)
            for marker in 1...3 { try buffer.append(BatchBufferTests.batch(Int64(marker), readings: 3)) }
        }
        let reopened = try BatchBuffer(directory: directory)
        let pending = reopened.pending()
        #expect(pending.map(\.sequence) == [1, 2, 3])
        #expect(pending.map(\.readings.count) == [3, 3, 3])
        #expect(reopened.droppedBatches == 0)
    }

    @Test func theMarkersFileIsRecycledSoASteadyAgentCreatesNoFilePerTick() throws {
        let directory = Fixture.temporaryDirectory()
        let buffer = try BatchBuffer(directory: directory, durable: true)
        func inode(_ name: String) throws -> UInt64 {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/batches/" + name)
            return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        }
        try buffer.append(BatchBufferTests.batch(1))
        #expect(buffer.ack(1))
        let first = try inode("00000000000000000001.acked")
        for sequence in 2...4 {
            #expect(try buffer.append(BatchBufferTests.batch(Int64(sequence))) == UInt64(sequence))
            let name = String(format: "%020d", sequence)
            #expect(try Self.files(directory) == [name + ".pb"])
            #expect(try inode(name + ".pb") == first)
            #expect(buffer.pending().map(\.timestampMs) == [Int64(sequence)])
            #expect(buffer.ack(UInt64(sequence)))
            #expect(try Self.files(directory) == [name + ".acked"])
        }
        // Two in flight: the second append has no marker to recycle and creates its file.
        try buffer.append(BatchBufferTests.batch(5))
        try buffer.append(BatchBufferTests.batch(6))
        #expect(try Self.files(directory) == ["00000000000000000005.pb", "00000000000000000006.pb"])
        #expect(buffer.ack(5) && buffer.ack(6))
        #expect(try Self.files(directory) == ["00000000000000000006.acked"])
        let reopened = try BatchBuffer(directory: directory)
        #expect(reopened.nextSequence == 7)
    }

    @Test func aTempFileLeftByACrashKeepsTheNumbersBelowIt() throws {
        let directory = Fixture.temporaryDirectory()
        do {
            let buffer = try BatchBuffer(directory: directory)
            for marker in 1...3 { try buffer.append(BatchBufferTests.batch(Int64(marker))) }
            #expect(buffer.ack(1) && buffer.ack(2) && buffer.ack(3))
        }
        // A crash while batch 4 was written into the recycled marker: only its temp file is left, half written.
        let batches = directory + "/batches/"
        try FileManager.default.moveItem(
            atPath: batches + "00000000000000000003.acked", toPath: batches + "00000000000000000004.pb.tmp")
        #expect(FileManager.default.createFile(atPath: batches + "00000000000000000004.pb.tmp", contents: Data([0x0A, 0xFF])))
        let reopened = try BatchBuffer(directory: directory)
        #expect(reopened.depth == 0)
        #expect(reopened.nextSequence == 4)  // 4 was never stored, so it is given again; 1…3 never are
        #expect(try Self.files(directory) == ["00000000000000000003.acked"])
        // And again after a second restart.
        let again = try BatchBuffer(directory: directory)
        #expect(again.nextSequence == 4)
        // A temp file of batch 1 (no number below it) or with a name that is not a number is just removed.
        #expect(FileManager.default.createFile(atPath: batches + "00000000000000000001.pb.tmp", contents: Data()))
        #expect(FileManager.default.createFile(atPath: batches + "junk.pb.tmp", contents: Data()))
        let third = try BatchBuffer(directory: directory)
        #expect(third.nextSequence == 4)
        #expect(try Self.files(directory) == ["00000000000000000003.acked"])
    }

    // MARK: - Machine-wide /proc files stay open

    @Test func machineWideProcFilesAreTheOnesKeptOpen() {
        #expect(RootedProcFileSystem.isMachineWideProcFile("/proc/stat"))
        #expect(RootedProcFileSystem.isMachineWideProcFile("/proc/net/dev"))
        #expect(!RootedProcFileSystem.isMachineWideProcFile("/proc/42/stat"))
        #expect(!RootedProcFileSystem.isMachineWideProcFile("/proc/self/mounts"))
        #expect(!RootedProcFileSystem.isMachineWideProcFile("/proc/"))
        #expect(!RootedProcFileSystem.isMachineWideProcFile("/proc"))
        #expect(!RootedProcFileSystem.isMachineWideProcFile("/sys/fs/cgroup/cpu.stat"))
        #expect(!RootedProcFileSystem.isMachineWideProcFile(""))
    }

    @Test func aKeptFileIsReadAgainFromItsStartEachTime() throws {
        let root = Fixture.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        let path = root + "/proc/loadavg"
        try "0.50 0.40 0.30 1/100 42\n".write(toFile: path, atomically: false, encoding: .utf8)
        let fs = RootedProcFileSystem(root: root)
        #expect(try fs.withContents(of: "/proc/loadavg", LoadavgParser.parse)?.one == 0.5)
        #expect(fs.keptFileCount == 1)
        // Rewritten in place, as the kernel regenerates it: the kept descriptor sees the new text.
        try "2.25 0.40 0.30 1/100 42\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try fs.withContents(of: "/proc/loadavg", LoadavgParser.parse)?.one == 2.25)
        #expect(fs.keptFileCount == 1)
        // A missing file is still a clear error, and not kept.
        #expect(throws: ProcFileSystemError.self) { try fs.withContents(of: "/proc/nothing", { $0.count }) }
        #expect(fs.keptFileCount == 1)
    }

    @Test func aKeptFileLargerThanTheBufferIsReadWhole() throws {
        let root = Fixture.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        let line = String(repeating: "x", count: 99) + "\n"
        let text = String(repeating: line, count: 2_000)  // 200 kB: three times the initial buffer
        try text.write(toFile: root + "/proc/mounts", atomically: false, encoding: .utf8)
        let fs = RootedProcFileSystem(root: root)
        for _ in 0..<2 {
            let (count, newlines) = try fs.withContents(of: "/proc/mounts") { bytes in
                (bytes.count, bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
            }
            #expect(count == 200_000)
            #expect(newlines == 2_000)
        }
    }

    @Test func theLiveMachineIsReadThroughKeptFiles() async throws {
        let fs = RootedProcFileSystem()
        var identity = Fleetwatch_V1_MachineIdentity()
        identity.machineID = "footprint-test"
        let collector = MetricCollector(fileSystem: fs, identity: identity)
        var now = TickTime.now()
        _ = collector.collect(now: now)
        // A CPU ratio needs the kernel's counters to have moved between two reads (they tick every 10 ms), so the
        // next tick is read once the kernel's clock moved on, for at most a few seconds.
        var batch = Fleetwatch_V1_RawBatch()
        for _ in 0..<200 {
            try await Task.sleep(for: .milliseconds(20))
            now = now.advanced(by: .seconds(1))
            batch = collector.collect(now: now)
            if batch.readings.contains(where: { $0.key == ProcReading.cpuBusyRatio }) { break }
        }
        #expect(batch.readings.contains { $0.key == ProcReading.cpuBusyRatio })
        #expect(batch.readings.contains { $0.key == ProcReading.memAvailableKiB })
        // /proc/stat, meminfo, loadavg, uptime, mounts, diskstats, net/dev (those this machine has).
        #expect(fs.keptFileCount >= 5 && fs.keptFileCount <= RootedProcFileSystem.maxKeptFiles)
    }

    // MARK: - Containers are discovered now and then, not every tick

    @Test func containersAreRediscoveredOnlyEveryInterval() {
        let fs = ContainerDiscoveryTests.unifiedMachine()
        var sampler = ContainerSampler(rediscoveryInterval: 10)
        var readings: [Fleetwatch_V1_Reading] = []
        sampler.collect(from: fs, seconds: nil, into: &readings)
        #expect(sampler.discoveries == 1)
        let before = Set(readings.compactMap { $0.labels["container"] })

        // A new container appears: it is found once 10 s of collection have passed, not before.
        let root = "/sys/fs/cgroup/machine.slice/machine-vm1.scope"
        fs.set(root + "/cpu.stat", "usage_usec 1\n")
        fs.set(root + "/memory.current", "5000\n")
        for tick in 1...5 {
            readings = []
            sampler.collect(from: fs, seconds: 2, into: &readings)
            let names = Set(readings.compactMap { $0.labels["container"] })
            if tick < 5 {
                #expect(names == before)
            } else {
                #expect(names == before.union(["vm1"]))
            }
        }
        #expect(sampler.discoveries == 2)
    }

    @Test func aContainerWhoseCountersVanishTriggersADiscoveryAtTheNextTick() {
        let fs = ContainerDiscoveryTests.unifiedMachine()
        var sampler = ContainerSampler(rediscoveryInterval: 3600)
        var readings: [Fleetwatch_V1_Reading] = []
        sampler.collect(from: fs, seconds: nil, into: &readings)
        let gone = "/sys/fs/cgroup/system.slice/docker-\(ContainerDiscoveryTests.dockerID).scope"
        for name in ["cpu.stat", "memory.current", "memory.stat", "io.stat", "cgroup.procs"] {
            fs.files[gone + "/" + name] = nil
        }
        sampler.collect(from: fs, seconds: 1, into: &readings)
        #expect(sampler.discoveries == 1)
        readings = []
        sampler.collect(from: fs, seconds: 1, into: &readings)
        #expect(sampler.discoveries == 2)
        #expect(!readings.contains { $0.labels["container"] == "redis" })
        #expect(readings.contains { $0.labels["container"] == "web" })
    }

    @Test func aMachineWithoutCgroupsIsNotProbedEveryTick() {
        var sampler = ContainerSampler(rediscoveryInterval: 10)
        var readings: [Fleetwatch_V1_Reading] = []
        for _ in 0..<4 { sampler.collect(from: InMemoryProcFileSystem(), seconds: 1, into: &readings) }
        #expect(readings.isEmpty)
        #expect(sampler.discoveries == 1)
    }

    // MARK: - One event loop thread runs the agent's tasks

    @Test func tasksPreferringTheExecutorRunOnItsEventLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()  // the group's one loop
        let executor = EventLoopTaskExecutor(group: group)
        let onLoop = await Task(executorPreference: executor) {
            await Task.yield()
            return loop.inEventLoop
        }.value
        #expect(onLoop)
        let structured = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: Bool.self) { tasks in
                tasks.addTask { loop.inEventLoop }
                return await tasks.next() ?? false
            }
        }
        #expect(structured)
        try await group.shutdownGracefully()
    }
}
