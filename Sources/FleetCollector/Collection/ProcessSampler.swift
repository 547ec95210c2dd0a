import FleetProto

/// Samples every process each time it is asked and ranks the top N by CPU and by resident memory.
///
/// CPU % is the share of one CPU used since the previous sample (like `top`, so a busy multi-threaded
/// process can exceed 100). A process seen for the first time has no previous sample: it gets its
/// lifetime average instead (like `ps`). Only the ranked processes have their user looked up.
public struct ProcessSampler {
    public var topCount: Int
    public let clockTicksPerSecond: Double
    public let pageSize: UInt64
    private var previous: [Int32: (ticks: UInt64, start: UInt64)] = [:]
    private var previousTime: TickTime?
    private var users = UserNameCache()
    /// The user of each ranked process, by pid, valid while the start time matches (so a reused pid
    /// is looked up again): a process's status file is read once, not every tick.
    private var userByProcess: [Int32: (start: UInt64, user: String)] = [:]
    private var current: [ProcessStat] = []

    public init(topCount: Int = 10, clockTicksPerSecond: Double, pageSize: UInt64) {
        self.topCount = topCount
        self.clockTicksPerSecond = clockTicksPerSecond
        self.pageSize = pageSize
    }

    /// Reads /proc/<pid>/stat for `pids` and returns the snapshot. `uptimeSeconds` serves the
    /// lifetime average of processes seen for the first time.
    public mutating func sample(
        pids: [Int32], now: TickTime, uptimeSeconds: Double?, fileSystem: some ProcFileSystem
    ) -> Fleetwatch_V1_ProcessSnapshot {
        current.removeAll(keepingCapacity: true)
        for pid in pids {
            // A process may exit between the listing and the read: skip it.
            if let stat = try? fileSystem.withProcessFile(pid: pid, "stat", ProcessStatParser.parse) {
                current.append(stat)
            }
        }
        fileSystem.endProcessScan()
        let elapsed = previousTime.map { now.seconds(since: $0) } ?? 0
        var percents: [Double] = []
        percents.reserveCapacity(current.count)
        var next: [Int32: (ticks: UInt64, start: UInt64)] = [:]
        next.reserveCapacity(current.count)
        for stat in current {
            next[stat.pid] = (stat.cpuTicks, stat.startTicks)
            percents.append(cpuPercent(stat, elapsed: elapsed, uptimeSeconds: uptimeSeconds))
        }
        previous = next
        previousTime = now

        var snapshot = Fleetwatch_V1_ProcessSnapshot()
        snapshot.timestampMs = now.wallMillis
        let byCPU = topIndices(count: current.count) { percents[$0] > percents[$1] }
        let byMemory = topIndices(count: current.count) {
            current[$0].residentPages > current[$1].residentPages
        }
        let nowSeconds = Double(now.monotonicNanos) / 1e9
        if userByProcess.count > 4 * max(topCount, 1) {
            let alive = Set(current.map(\.pid))
            userByProcess = userByProcess.filter { alive.contains($0.key) }
        }
        for index in byCPU {
            snapshot.byCpu.append(info(current[index], percent: percents[index], nowSeconds: nowSeconds, fileSystem))
        }
        for index in byMemory {
            snapshot.byMemory.append(
                info(current[index], percent: percents[index], nowSeconds: nowSeconds, fileSystem))
        }
        return snapshot
    }

    private func cpuPercent(_ stat: ProcessStat, elapsed: Double, uptimeSeconds: Double?) -> Double {
        if elapsed > 0, let before = previous[stat.pid], before.start == stat.startTicks,
            stat.cpuTicks >= before.ticks
        {
            return Double(stat.cpuTicks - before.ticks) / clockTicksPerSecond / elapsed * 100
        }
        guard let uptimeSeconds else { return 0 }
        let lifetime = uptimeSeconds - Double(stat.startTicks) / clockTicksPerSecond
        guard lifetime > 0 else { return 0 }
        return Double(stat.cpuTicks) / clockTicksPerSecond / lifetime * 100
    }

    /// Indices of the `topCount` largest elements by `areInDecreasingOrder`, ties broken by lower pid.
    private func topIndices(count: Int, by areInDecreasingOrder: (Int, Int) -> Bool) -> [Int] {
        var indices = Array(0..<count)
        indices.sort { a, b in
            if areInDecreasingOrder(a, b) { return true }
            if areInDecreasingOrder(b, a) { return false }
            return current[a].pid < current[b].pid
        }
        return Array(indices.prefix(max(topCount, 0)))
    }

    private mutating func info(
        _ stat: ProcessStat, percent: Double, nowSeconds: Double, _ fileSystem: some ProcFileSystem
    ) -> Fleetwatch_V1_ProcessInfo {
        var info = Fleetwatch_V1_ProcessInfo()
        info.pid = stat.pid
        info.name = stat.name
        info.cpuPercent = (percent * 100).rounded() / 100
        info.rssBytes = stat.residentPages &* pageSize
        if let known = userByProcess[stat.pid], known.start == stat.startTicks {
            info.user = known.user
        } else if let uid = try? fileSystem.withProcessFile(
            pid: stat.pid, "status", ProcessStatusParser.effectiveUserID)
        {
            info.user = users.name(for: uid, nowSeconds: nowSeconds, fileSystem: fileSystem)
            userByProcess[stat.pid] = (stat.startTicks, info.user)
        }
        return info
    }
}
