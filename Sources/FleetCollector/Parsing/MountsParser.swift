/// One line of /proc/mounts.
public struct MountEntry: Sendable, Equatable {
    public var device: String
    /// The mount point with the kernel's octal escapes (\040 for a space) decoded.
    public var mountPoint: String
    public var fileSystemType: String

    public init(device: String, mountPoint: String, fileSystemType: String) {
        self.device = device
        self.mountPoint = mountPoint
        self.fileSystemType = fileSystemType
    }
}

/// Parses /proc/mounts and keeps the file systems worth reporting: real storage, not kernel
/// pseudo file systems, memory-backed ones or read-only images; one entry per device.
public enum MountsParser {
    /// File system types that never hold user data on a disk.
    public static let pseudoFileSystemTypes: Set<String> = [
        "proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "squashfs", "nsfs",
        "autofs", "securityfs", "debugfs", "tracefs", "pstore", "bpf", "configfs", "fusectl",
        "mqueue", "hugetlbfs", "binfmt_misc", "efivarfs", "rpc_pipefs", "selinuxfs", "ramfs",
        "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "fuse.snapfuse", "rootfs", "overlay",
        "aufs", "iso9660", "nfsd", "sockfs", "pipefs", "anon_inodefs", "binder", "cpuset",
    ]

    /// Every entry, unfiltered.
    public static func parseAll(_ bytes: UnsafeRawBufferPointer) -> [MountEntry] {
        var scanner = ByteScanner(bytes)
        var result: [MountEntry] = []
        while !scanner.isAtEnd {
            let device = scanner.token()
            let mountPoint = scanner.token()
            let type = scanner.token()
            if !device.isEmpty, !mountPoint.isEmpty, !type.isEmpty {
                result.append(
                    MountEntry(device: decode(device), mountPoint: decode(mountPoint), fileSystemType: type.string))
            }
            scanner.skipLine()
        }
        return result
    }

    /// Real file systems only, deduplicated by device (the shortest mount point wins, so "/" beats
    /// a bind mount of the same disk). overlay is kept only when it is the root (containers).
    public static func realFileSystems(_ entries: [MountEntry]) -> [MountEntry] {
        var byDevice: [String: Int] = [:]
        var kept: [MountEntry] = []
        for entry in entries {
            let isRootOverlay = entry.fileSystemType == "overlay" && entry.mountPoint == "/"
            guard isRootOverlay || !pseudoFileSystemTypes.contains(entry.fileSystemType) else { continue }
            if let index = byDevice[entry.device] {
                if entry.mountPoint.utf8.count < kept[index].mountPoint.utf8.count { kept[index] = entry }
            } else {
                byDevice[entry.device] = kept.count
                kept.append(entry)
            }
        }
        return kept
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) -> [MountEntry] {
        realFileSystems(parseAll(bytes))
    }

    public static func parse(_ text: String) -> [MountEntry] {
        text.withBytes { parse($0) }
    }

    /// Decodes the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash).
    static func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.contains(0x5C) else { return bytes.string }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x5C, i + 4 <= bytes.count {
                let digits = bytes[(i + 1)..<(i + 4)]
                if digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                    let value = digits.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                    out.append(UInt8(truncatingIfNeeded: value))
                    i += 4
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
