/// Cumulative sector counters of one block device from /proc/diskstats.
public struct DiskCounters: Sendable, Equatable {
    public var device: String
    /// Field 6: 512-byte sectors read.
    public var sectorsRead: UInt64
    /// Field 10: 512-byte sectors written.
    public var sectorsWritten: UInt64

    public init(device: String, sectorsRead: UInt64, sectorsWritten: UInt64) {
        self.device = device
        self.sectorsRead = sectorsRead
        self.sectorsWritten = sectorsWritten
    }
}

/// Parses /proc/diskstats, keeping real block devices: loop and ram devices are dropped, and
/// partitions are dropped when their whole disk is listed (sda1 beside sda, nvme0n1p1 beside nvme0n1),
/// so traffic is not counted twice.
public enum DiskstatsParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> [DiskCounters] {
        var scanner = ByteScanner(bytes)
        var all: [DiskCounters] = []
        while !scanner.isAtEnd {
            _ = scanner.unsigned()  // major
            _ = scanner.unsigned()  // minor
            let name = scanner.token()
            guard !name.isEmpty, !name.hasPrefix("loop"), !name.hasPrefix("ram") else {
                scanner.skipLine()
                continue
            }
            scanner.skipTokens(2)  // reads completed, reads merged
            let read = scanner.unsigned()
            scanner.skipTokens(3)  // ms reading, writes completed, writes merged
            let written = scanner.unsigned()
            if let read, let written {
                all.append(DiskCounters(device: name.string, sectorsRead: read, sectorsWritten: written))
            }
            scanner.skipLine()
        }
        let names = Set(all.map(\.device))
        return all.filter { !isPartition($0.device, of: names) }
    }

    public static func parse(_ text: String) -> [DiskCounters] {
        text.withBytes { parse($0) }
    }

    /// Whether `name` is a partition of another device in `devices`: the disk name followed by digits,
    /// or by "p" and digits when the disk name itself ends in a digit (nvme0n1p1, mmcblk0p1).
    static func isPartition(_ name: String, of devices: Set<String>) -> Bool {
        let utf8 = Array(name.utf8)
        var digitsStart = utf8.count
        while digitsStart > 0, utf8[digitsStart - 1] >= 0x30 && utf8[digitsStart - 1] <= 0x39 {
            digitsStart -= 1
        }
        guard digitsStart < utf8.count, digitsStart > 0 else { return false }
        let base = String(decoding: utf8[0..<digitsStart], as: UTF8.self)
        if let last = base.utf8.last, !(last >= 0x30 && last <= 0x39), devices.contains(base) {
            return true
        }
        if utf8[digitsStart - 1] == UInt8(ascii: "p") {
            let disk = String(decoding: utf8[0..<(digitsStart - 1)], as: UTF8.self)
            if let last = disk.utf8.last, last >= 0x30 && last <= 0x39, devices.contains(disk) { return true }
        }
        return false
    }
}
