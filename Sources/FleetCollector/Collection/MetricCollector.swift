import FleetCore
import FleetProto
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Turns one read of /proc and /sys into a `RawBatch` per tick, in the `ProcReading` vocabulary.
///
/// Rates (CPU ratios, disk and network throughput) come from the difference to the previous tick over
/// the monotonic time between them, so the first tick carries only instantaneous readings. Not
/// thread-safe: one collector is driven by one task, tick after tick (`collect(now:)` is cheap enough to
/// call in a tight loop for measurements).
public final class MetricCollector<FileSystem: ProcFileSystem> {
    public let fileSystem: FileSystem
    public var identity: Fleetwatch_V1_MachineIdentity
    public var includeLoopback: Bool
    /// CPU time the calling thread spent in the last `collect` call.
    public private(set) var lastTickCPU: Duration = .zero

    private var processes: ProcessSampler
    private var previousTime: TickTime?
    private var previousCPU: CPUStatSample?
    private var previousDisks: [String: DiskCounters] = [:]
    private var previousInterfaces: [String: InterfaceCounters] = [:]
    /// Per-container readings (docs/metrics.md "Containers"); nil turns them off. Containers are podman's, docker's
    /// and systemd machines; systemd services are left out by default: a host has dozens, and each costs four series
    /// and four file reads per tick.
    public var containers: ContainerSampler? = ContainerSampler(discovery: ContainerDiscovery(includeServices: false))
    private var failedSections: Set<String> = []
    private let logger: Logger

    public init(
        fileSystem: FileSystem,
        identity: Fleetwatch_V1_MachineIdentity,
        includeLoopback: Bool = false,
        topProcesses: Int = 10,
        clockTicksPerSecond: Double = Double(sysconf(Int32(_SC_CLK_TCK))),
        pageSize: UInt64 = UInt64(sysconf(Int32(_SC_PAGESIZE))),
        logger: Logger = Logger(label: "fleetwatch.collector")
    ) {
        self.fileSystem = fileSystem
        self.identity = identity
        self.includeLoopback = includeLoopback
        self.processes = ProcessSampler(
            topCount: topProcesses, clockTicksPerSecond: clockTicksPerSecond, pageSize: pageSize)
        self.logger = logger
    }

    /// How many processes each top list holds.
    public var topProcesses: Int {
        get { processes.topCount }
        set { processes.topCount = newValue }
    }

    /// Reads everything once and returns the batch for this tick (sequence 0: the buffer assigns it).
    /// With `includeProcesses`, the batch carries the top processes by CPU and by memory.
    public func collect(now: TickTime, includeProcesses: Bool = true) -> Fleetwatch_V1_RawBatch {
        let cpuStart = ThreadCPUTime.now()
        defer { lastTickCPU = ThreadCPUTime.now() - cpuStart }

        let elapsed = previousTime.map { now.seconds(since: $0) }
        let rateSeconds = elapsed.flatMap { $0 > 0 ? $0 : nil }
        var readings: [Fleetwatch_V1_Reading] = []
        readings.reserveCapacity(64)

        collectCPU(into: &readings, hasRates: rateSeconds != nil)
        collectMemory(into: &readings)
        collectLoad(into: &readings)
        let uptime = section("uptime") { try fileSystem.withContents(of: "/proc/uptime", UptimeParser.parse) } ?? nil
        if let uptime { readings.append(Fleetwatch_V1_Reading.make(ProcReading.uptimeSeconds, uptime)) }
        collectFileSystems(into: &readings)
        collectDisks(into: &readings, seconds: rateSeconds)
        collectNetwork(into: &readings, seconds: rateSeconds)
        containers?.collect(from: fileSystem, seconds: rateSeconds, into: &readings)

        var batch = Fleetwatch_V1_RawBatch()
        if let pids = section("processes", { try fileSystem.processIDs() }) {
            readings.append(Fleetwatch_V1_Reading.make(ProcReading.processCount, Double(pids.count)))
            if includeProcesses {
                batch.processes = processes.sample(
                    pids: pids, now: now, uptimeSeconds: uptime, fileSystem: fileSystem)
            }
        }
        previousTime = now

        batch.machineID = identity.machineID
        batch.source = ProcReading.source
        batch.timestampMs = now.wallMillis
        batch.identity = identity
        batch.readings = readings
        // Each batch starts its own trace; the services continue it (edge, normalizer, persister, evaluator).
        batch.traceParent = TraceParent.random()
        return batch
    }

    private func collectCPU(into readings: inout [Fleetwatch_V1_Reading], hasRates: Bool) {
        guard let sample = section("stat", { try fileSystem.withContents(of: "/proc/stat", CPUStatParser.parse) }),
            let sample
        else { return }
        defer { previousCPU = sample }
        guard hasRates, let previous = previousCPU else { return }
        if let busy = sample.total.busyRatio(since: previous.total) {
            readings.append(Fleetwatch_V1_Reading.make(ProcReading.cpuBusyRatio, busy, ["cpu": "total"]))
        }
        if let iowait = sample.total.iowaitRatio(since: previous.total) {
            readings.append(Fleetwatch_V1_Reading.make(ProcReading.cpuIowaitRatio, iowait, ["cpu": "total"]))
        }
        for id in sample.cores.keys.sorted() {
            guard let times = sample.cores[id], let before = previous.cores[id],
                let busy = times.busyRatio(since: before)
            else { continue }
            readings.append(Fleetwatch_V1_Reading.make(ProcReading.cpuBusyRatio, busy, ["cpu": String(id)]))
        }
    }

    private func collectMemory(into readings: inout [Fleetwatch_V1_Reading]) {
        guard let info = section("meminfo", { try fileSystem.withContents(of: "/proc/meminfo", MeminfoParser.parse) }),
            let info
        else { return }
        readings.append(Fleetwatch_V1_Reading.make(ProcReading.memTotalKiB, Double(info.memTotalKiB)))
        readings.append(Fleetwatch_V1_Reading.make(ProcReading.memAvailableKiB, Double(info.memAvailableKiB)))
        readings.append(Fleetwatch_V1_Reading.make(ProcReading.swapTotalKiB, Double(info.swapTotalKiB)))
        readings.append(Fleetwatch_V1_Reading.make(ProcReading.swapFreeKiB, Double(info.swapFreeKiB)))
    }

    private func collectLoad(into readings: inout [Fleetwatch_V1_Reading]) {
        guard let load = section("loadavg", { try fileSystem.withContents(of: "/proc/loadavg", LoadavgParser.parse) }),
            let load
        else { return }
        readings.append(Fleetwatch_V1_Reading.make(ProcReading.loadavg1, load.one))
        readings.append(Fleetwatch_V1_Reading.make(ProcReading.loadavg5, load.five))
        readings.append(Fleetwatch_V1_Reading.make(ProcReading.loadavg15, load.fifteen))
    }

    private func collectFileSystems(into readings: inout [Fleetwatch_V1_Reading]) {
        guard let mounts = section("mounts", { try fileSystem.withContents(of: "/proc/mounts", MountsParser.parse) })
        else { return }
        for mount in mounts {
            // A mount point outside this process's view (containers) or a hung network mount is skipped.
            guard let usage = try? fileSystem.fileSystemUsage(of: mount.mountPoint), usage.blocks > 0 else { continue }
            let labels = ["mount": mount.mountPoint, "fstype": mount.fileSystemType]
            readings.append(Fleetwatch_V1_Reading.make(ProcReading.fsUsedBytes, Double(usage.usedBytes), labels))
            readings.append(Fleetwatch_V1_Reading.make(ProcReading.fsAvailBytes, Double(usage.availableBytes), labels))
        }
    }

    private func collectDisks(into readings: inout [Fleetwatch_V1_Reading], seconds: Double?) {
        guard let disks = section("diskstats", { try fileSystem.withContents(of: "/proc/diskstats", DiskstatsParser.parse) })
        else { return }
        var current: [String: DiskCounters] = [:]
        current.reserveCapacity(disks.count)
        for disk in disks {
            current[disk.device] = disk
            guard let seconds, let before = previousDisks[disk.device],
                disk.sectorsRead >= before.sectorsRead, disk.sectorsWritten >= before.sectorsWritten
            else { continue }
            let labels = ["device": disk.device]
            readings.append(
                Fleetwatch_V1_Reading.make(ProcReading.diskSectorsReadPerSecond, Double(disk.sectorsRead - before.sectorsRead) / seconds, labels))
            readings.append(
                Fleetwatch_V1_Reading.make(
                    ProcReading.diskSectorsWrittenPerSecond, Double(disk.sectorsWritten - before.sectorsWritten) / seconds,
                    labels))
        }
        previousDisks = current
    }

    private func collectNetwork(into readings: inout [Fleetwatch_V1_Reading], seconds: Double?) {
        let include = includeLoopback
        guard
            let interfaces = section(
                "net/dev",
                {
                    try fileSystem.withContents(of: "/proc/net/dev") { NetDevParser.parse($0, includeLoopback: include) }
                })
        else { return }
        var current: [String: InterfaceCounters] = [:]
        current.reserveCapacity(interfaces.count)
        for interface in interfaces {
            current[interface.interface] = interface
            // Counters going back mean the interface was re-created or the counter wrapped: skip one tick.
            guard let seconds, let before = previousInterfaces[interface.interface],
                interface.receivedBytes >= before.receivedBytes, interface.transmittedBytes >= before.transmittedBytes
            else { continue }
            let labels = ["iface": interface.interface]
            readings.append(
                Fleetwatch_V1_Reading.make(
                    ProcReading.netRxBytesPerSecond, Double(interface.receivedBytes - before.receivedBytes) / seconds, labels))
            readings.append(
                Fleetwatch_V1_Reading.make(
                    ProcReading.netTxBytesPerSecond, Double(interface.transmittedBytes - before.transmittedBytes) / seconds,
                    labels))
        }
        previousInterfaces = current
    }

    /// Runs one section; a failure is logged once per section (a container may lack /proc/diskstats)
    /// and the rest of the tick goes on.
    private func section<T>(_ name: String, _ body: () throws -> T) -> T? {
        do {
            let value = try body()
            if !failedSections.isEmpty, failedSections.remove(name) != nil {
                logger.info("collector section readable again", metadata: ["section": "\(name)"])
            }
            return value
        } catch {
            if failedSections.insert(name).inserted {
                logger.warning(
                    "collector section unreadable, skipping it until it recovers",
                    metadata: ["section": "\(name)", "error": "\(error)"])
            }
            return nil
        }
    }
}
