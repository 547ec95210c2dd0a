/// The /proc/meminfo fields the collector uses, in kibibytes as the file gives them.
public struct Meminfo: Sendable, Equatable {
    public var memTotalKiB: UInt64 = 0
    public var memFreeKiB: UInt64 = 0
    /// MemAvailable; on kernels older than 3.14 (no such line) estimated as MemFree + Buffers + Cached.
    public var memAvailableKiB: UInt64 = 0
    public var buffersKiB: UInt64 = 0
    public var cachedKiB: UInt64 = 0
    public var swapTotalKiB: UInt64 = 0
    public var swapFreeKiB: UInt64 = 0

    public init() {}

    /// Memory in use with the semantics of procps `free` (≥ 3.3.10): total - available.
    public var usedKiB: UInt64 { memTotalKiB &- min(memAvailableKiB, memTotalKiB) }

    public var swapUsedKiB: UInt64 { swapTotalKiB &- min(swapFreeKiB, swapTotalKiB) }
}

/// Parses /proc/meminfo ("Key:   1234 kB" lines), picking the fields of `Meminfo`.
public enum MeminfoParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Meminfo? {
        var scanner = ByteScanner(bytes)
        var info = Meminfo()
        var sawTotal = false
        var sawAvailable = false
        while !scanner.isAtEnd {
            guard let key = scanner.bytes(upTo: 0x3A) else {
                scanner.skipLine()
                continue
            }
            let value = scanner.unsigned() ?? 0
            switch key.count {
            case 7 where key.equals("MemFree"): info.memFreeKiB = value
            case 7 where key.equals("Buffers"): info.buffersKiB = value
            case 6 where key.equals("Cached"): info.cachedKiB = value
            case 8 where key.equals("MemTotal"):
                info.memTotalKiB = value
                sawTotal = true
            case 8 where key.equals("SwapFree"): info.swapFreeKiB = value
            case 9 where key.equals("SwapTotal"): info.swapTotalKiB = value
            case 12 where key.equals("MemAvailable"):
                info.memAvailableKiB = value
                sawAvailable = true
            default: break
            }
            scanner.skipLine()
        }
        guard sawTotal else { return nil }
        if !sawAvailable {
            info.memAvailableKiB = min(info.memTotalKiB, info.memFreeKiB + info.buffersKiB + info.cachedKiB)
        }
        return info
    }

    public static func parse(_ text: String) -> Meminfo? {
        text.withBytes { parse($0) }
    }
}
