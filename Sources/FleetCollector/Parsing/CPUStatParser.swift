/// Cumulative CPU time of one CPU (or all) in clock ticks, from a "cpu" line of /proc/stat.
public struct CPUTimes: Sendable, Equatable {
    public var user: UInt64 = 0
    public var nice: UInt64 = 0
    public var system: UInt64 = 0
    public var idle: UInt64 = 0
    public var iowait: UInt64 = 0
    public var irq: UInt64 = 0
    public var softirq: UInt64 = 0
    public var steal: UInt64 = 0

    public init(
        user: UInt64 = 0, nice: UInt64 = 0, system: UInt64 = 0, idle: UInt64 = 0, iowait: UInt64 = 0,
        irq: UInt64 = 0, softirq: UInt64 = 0, steal: UInt64 = 0
    ) {
        self.user = user
        self.nice = nice
        self.system = system
        self.idle = idle
        self.iowait = iowait
        self.irq = irq
        self.softirq = softirq
        self.steal = steal
    }

    /// All accounted time. guest and guest_nice are already included in user and nice, so they are left out.
    public var total: UInt64 { user &+ nice &+ system &+ idle &+ iowait &+ irq &+ softirq &+ steal }

    /// Time doing anything but waiting: total - idle - iowait.
    public var busy: UInt64 { total &- idle &- iowait }

    /// Busy share of the time elapsed since `previous`, 0...1; nil when no time passed or counters went back.
    public func busyRatio(since previous: CPUTimes) -> Double? {
        ratio(busy, previous.busy, since: previous)
    }

    /// iowait share of the time elapsed since `previous`, 0...1.
    public func iowaitRatio(since previous: CPUTimes) -> Double? {
        ratio(iowait, previous.iowait, since: previous)
    }

    private func ratio(_ now: UInt64, _ before: UInt64, since previous: CPUTimes) -> Double? {
        guard total > previous.total, now >= before else { return nil }
        return min(1, Double(now - before) / Double(total - previous.total))
    }
}

/// The CPU lines of one read of /proc/stat.
public struct CPUStatSample: Sendable, Equatable {
    /// The aggregate "cpu" line.
    public var total: CPUTimes
    /// Per-CPU lines by CPU number ("cpu0" → 0). Offline CPUs are absent.
    public var cores: [Int: CPUTimes]

    public init(total: CPUTimes, cores: [Int: CPUTimes]) {
        self.total = total
        self.cores = cores
    }
}

/// Parses the "cpu" lines of /proc/stat.
public enum CPUStatParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> CPUStatSample? {
        var scanner = ByteScanner(bytes)
        var total: CPUTimes?
        var cores: [Int: CPUTimes] = [:]
        while !scanner.isAtEnd {
            let name = scanner.token()
            guard name.hasPrefix("cpu") else {
                // The cpu lines come first; nothing after them is needed.
                if total != nil { break }
                scanner.skipLine()
                continue
            }
            var times = CPUTimes()
            times.user = scanner.unsigned() ?? 0
            times.nice = scanner.unsigned() ?? 0
            times.system = scanner.unsigned() ?? 0
            times.idle = scanner.unsigned() ?? 0
            times.iowait = scanner.unsigned() ?? 0
            times.irq = scanner.unsigned() ?? 0
            times.softirq = scanner.unsigned() ?? 0
            times.steal = scanner.unsigned() ?? 0
            if name.count == 3 {
                total = times
            } else {
                var id = 0
                for byte in name.dropFirst(3) { id = id * 10 + Int(byte &- 0x30) }
                cores[id] = times
            }
            scanner.skipLine()
        }
        guard let total else { return nil }
        return CPUStatSample(total: total, cores: cores)
    }

    public static func parse(_ text: String) -> CPUStatSample? {
        text.withBytes { parse($0) }
    }
}
