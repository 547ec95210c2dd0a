/// What the collector needs from /proc/<pid>/stat.
public struct ProcessStat: Sendable, Equatable {
    public var pid: Int32
    /// The command name (at most 15 bytes), without the parentheses.
    public var name: String
    /// utime + stime, in clock ticks.
    public var cpuTicks: UInt64
    /// Resident set size in pages.
    public var residentPages: UInt64
    /// Start time after boot in clock ticks: with the pid it identifies a process (pids are reused).
    public var startTicks: UInt64

    public init(pid: Int32, name: String, cpuTicks: UInt64, residentPages: UInt64, startTicks: UInt64) {
        self.pid = pid
        self.name = name
        self.cpuTicks = cpuTicks
        self.residentPages = residentPages
        self.startTicks = startTicks
    }
}

/// Parses /proc/<pid>/stat. The command name may contain spaces and parentheses, so the fields are
/// counted from the last ")".
public enum ProcessStatParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> ProcessStat? {
        guard let open = bytes.firstIndex(of: 0x28), let close = bytes.lastIndex(of: 0x29), close > open else {
            return nil
        }
        var head = ByteScanner(UnsafeRawBufferPointer(rebasing: bytes[0..<open]))
        guard let pid = head.unsigned() else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: bytes[(open + 1)..<close]).string
        var scanner = ByteScanner(bytes, index: close + 1)
        // After ")": field 3 state, … 14 utime, 15 stime, … 22 starttime, 23 vsize, 24 rss.
        scanner.skipTokens(11)
        guard let utime = scanner.unsigned(), let stime = scanner.unsigned() else { return nil }
        scanner.skipTokens(6)
        guard let start = scanner.unsigned() else { return nil }
        scanner.skipTokens(1)
        guard let rss = scanner.signed() else { return nil }
        return ProcessStat(
            pid: Int32(truncatingIfNeeded: pid), name: name, cpuTicks: utime &+ stime,
            residentPages: UInt64(max(rss, 0)), startTicks: start)
    }

    public static func parse(_ text: String) -> ProcessStat? {
        text.withBytes { parse($0) }
    }
}
