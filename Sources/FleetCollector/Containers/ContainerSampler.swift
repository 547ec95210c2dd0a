import FleetCore
import FleetProto

/// Per-container readings of one tick: discovers the containers (`ContainerDiscovery`), names them
/// (`ContainerNames`), reads their cgroup counters (v2, or v1 controllers) and turns counters into rates
/// against the previous tick. Each reading carries the label `container=<name>`.
///
/// Memory is an instantaneous figure, so it is reported from the first tick; CPU, I/O and network are
/// rates and start at the second tick a container is seen. A counter that went back (a restarted
/// container under the same name) gives no rate that tick. Network is read only for podman and docker
/// containers, from their first process's /proc/<pid>/net/dev (its network namespace; loopback left out).
///
/// The layout, the containers and their names are found again only every `rediscoveryInterval` seconds of
/// collection (and on the first tick, after a tick without rates, or when a container's counters could not be
/// read): a walk of the cgroup tree costs more file-system calls than reading the counters. A new container
/// shows up within that interval.
public struct ContainerSampler {
    /// Everything read for one container in one tick.
    struct Counters {
        var cgroup: CgroupCounters
        var networkReceived: UInt64?
        var networkSent: UInt64?
    }

    /// What the last discovery found: the layout (nil: no cgroups here) and the containers with their labels.
    struct Discovered {
        var layout: CgroupLayout?
        var containers: [ContainerCgroup] = []
        var labels: [String] = []
    }

    public var discovery: ContainerDiscovery
    public var cgroupBase: String
    /// Seconds of collection between two discoveries.
    public var rediscoveryInterval: Double
    private var names = ContainerNames()
    private var previous: [String: Counters] = [:]
    private var discovered: Discovered?
    private var secondsSinceDiscovery = 0.0

    public init(
        discovery: ContainerDiscovery = ContainerDiscovery(), cgroupBase: String = "/sys/fs/cgroup",
        rediscoveryInterval: Double = 10
    ) {
        self.discovery = discovery
        self.cgroupBase = cgroupBase
        self.rediscoveryInterval = rediscoveryInterval
    }

    /// How many times the cgroup tree was walked (for tests).
    public private(set) var discoveries = 0

    /// Appends this tick's container readings; `seconds` is the time since the previous tick (nil on the first).
    public mutating func collect<FileSystem: ProcFileSystem>(
        from fileSystem: FileSystem, seconds: Double?, into readings: inout [Fleetwatch_V1_Reading]
    ) {
        secondsSinceDiscovery += seconds ?? 0
        if discovered == nil || seconds == nil || secondsSinceDiscovery >= rediscoveryInterval {
            discovered = discover(in: fileSystem)
        }
        guard let found = discovered, let layout = found.layout else {
            previous = [:]
            return
        }
        var current: [String: Counters] = [:]
        current.reserveCapacity(found.containers.count)
        for (container, name) in zip(found.containers, found.labels) {
            let counters = Self.read(container, layout: layout, from: fileSystem)
            // Nothing readable: the container is probably gone; look again next tick.
            if counters.cgroup.memoryBytes == nil && counters.cgroup.cpuNanoseconds == nil { discovered = nil }
            current[container.id] = counters
            let label = ["container": name]
            if let memory = counters.cgroup.memoryBytes {
                readings.append(Fleetwatch_V1_Reading.make(ProcReading.cgroupMemoryBytes, Double(memory), label))
            }
            guard let seconds, seconds > 0, let before = previous[container.id] else { continue }
            func rate(_ key: String, _ now: UInt64?, _ then: UInt64?, scale: Double = 1) {
                guard let now, let then, now >= then else { return }
                readings.append(Fleetwatch_V1_Reading.make(key, Double(now - then) * scale / seconds, label))
            }
            rate(
                ProcReading.cgroupCPUSecondsPerSecond, counters.cgroup.cpuNanoseconds, before.cgroup.cpuNanoseconds,
                scale: 1e-9)
            rate(ProcReading.cgroupIOReadBytesPerSecond, counters.cgroup.ioReadBytes, before.cgroup.ioReadBytes)
            rate(ProcReading.cgroupIOWriteBytesPerSecond, counters.cgroup.ioWriteBytes, before.cgroup.ioWriteBytes)
            rate(ProcReading.cgroupNetRxBytesPerSecond, counters.networkReceived, before.networkReceived)
            rate(ProcReading.cgroupNetTxBytesPerSecond, counters.networkSent, before.networkSent)
        }
        previous = current
    }

    private mutating func discover<FileSystem: ProcFileSystem>(in fileSystem: FileSystem) -> Discovered {
        secondsSinceDiscovery = 0
        discoveries += 1
        guard let layout = CgroupLayout.detect(in: fileSystem, base: cgroupBase) else { return Discovered() }
        let containers = discovery.discover(in: fileSystem, root: layout.namingRoot)
        return Discovered(layout: layout, containers: containers, labels: names.names(of: containers, in: fileSystem))
    }

    static func read<FileSystem: ProcFileSystem>(
        _ container: ContainerCgroup, layout: CgroupLayout, from fileSystem: FileSystem
    ) -> Counters {
        var cgroup = CgroupCounters()
        let procsPath: String
        switch layout {
        case .unified(let root):
            let dir = root + "/" + container.path
            cgroup.cpuNanoseconds = try? fileSystem.withContents(of: dir + "/cpu.stat", CgroupV2Parser.cpuUsageNanoseconds)
            cgroup.memoryBytes = memory(
                usage: try? fileSystem.withContents(of: dir + "/memory.current", CgroupV2Parser.single),
                inactive: try? fileSystem.withContents(of: dir + "/memory.stat", CgroupV2Parser.inactiveFileBytes))
            if let io = try? fileSystem.withContents(of: dir + "/io.stat", CgroupV2Parser.ioTotals) {
                cgroup.ioReadBytes = io.readBytes
                cgroup.ioWriteBytes = io.writeBytes
            }
            procsPath = dir + "/cgroup.procs"
        case .legacy(let cpuacct, let memoryRoot, let blkio):
            let path = "/" + container.path
            cgroup.cpuNanoseconds = try? fileSystem.withContents(
                of: cpuacct + path + "/cpuacct.usage", CgroupV1Parser.single)
            cgroup.memoryBytes = memory(
                usage: try? fileSystem.withContents(
                    of: memoryRoot + path + "/memory.usage_in_bytes", CgroupV1Parser.single),
                inactive: try? fileSystem.withContents(
                    of: memoryRoot + path + "/memory.stat", CgroupV1Parser.inactiveFileBytes))
            let io =
                (try? fileSystem.withContents(
                    of: blkio + path + "/blkio.throttle.io_service_bytes", CgroupV1Parser.ioTotals))
                ?? (try? fileSystem.withContents(of: blkio + path + "/blkio.io_service_bytes", CgroupV1Parser.ioTotals))
            cgroup.ioReadBytes = io?.readBytes
            cgroup.ioWriteBytes = io?.writeBytes
            procsPath = memoryRoot + path + "/cgroup.procs"
        }
        var counters = Counters(cgroup: cgroup)
        if container.kind.hasOwnNetwork,
            let pid = try? fileSystem.withContents(of: procsPath, CgroupV2Parser.single), pid > 0,
            let interfaces = try? fileSystem.withContents(of: "/proc/\(pid)/net/dev", { NetDevParser.parse($0) })
        {
            counters.networkReceived = interfaces.reduce(0) { $0 &+ $1.receivedBytes }
            counters.networkSent = interfaces.reduce(0) { $0 &+ $1.transmittedBytes }
        }
        return counters
    }

    private static func memory(usage: UInt64?, inactive: UInt64?) -> UInt64? {
        guard let usage else { return nil }
        return usage - min(usage, inactive ?? 0)
    }
}
