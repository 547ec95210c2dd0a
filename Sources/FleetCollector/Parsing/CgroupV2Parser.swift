/// Parses the cgroup v2 files a container's figures come from: `cpu.stat` (usage_usec),
/// `memory.current`, `memory.stat` (inactive_file) and `io.stat` (rbytes, wbytes per device).
public enum CgroupV2Parser {
    /// `usage_usec` of cpu.stat, converted to nanoseconds; nil when the line is missing.
    public static func cpuUsageNanoseconds(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        CgroupKeyedFile.value(of: "usage_usec", in: bytes).map { $0 &* 1000 }
    }

    /// A single-number file such as memory.current; nil when it holds no number ("max" or empty).
    public static func single(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        var scanner = ByteScanner(bytes)
        return scanner.unsigned()
    }

    /// `inactive_file` of memory.stat (v2 spelling).
    public static func inactiveFileBytes(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        CgroupKeyedFile.value(of: "inactive_file", in: bytes)
    }

    /// io.stat: one line per device ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"), summed.
    public static func ioTotals(_ bytes: UnsafeRawBufferPointer) -> CgroupIOTotals {
        var scanner = ByteScanner(bytes)
        var totals = CgroupIOTotals(readBytes: 0, writeBytes: 0)
        while !scanner.isAtEnd {
            _ = scanner.token()  // major:minor
            while !scanner.isAtEndOfLine() {
                let field = scanner.token()
                guard let equals = field.firstIndex(of: 0x3D) else { continue }
                let key = UnsafeRawBufferPointer(rebasing: field[..<equals])
                var number = ByteScanner(UnsafeRawBufferPointer(rebasing: field[(equals + 1)...]))
                guard let value = number.unsigned() else { continue }
                if key.equals("rbytes") {
                    totals.readBytes &+= value
                } else if key.equals("wbytes") {
                    totals.writeBytes &+= value
                }
            }
            scanner.skipLine()
        }
        return totals
    }
}

/// Files of "key value" lines (cpu.stat, memory.stat in both versions).
enum CgroupKeyedFile {
    static func value(of wanted: StaticString, in bytes: UnsafeRawBufferPointer) -> UInt64? {
        var scanner = ByteScanner(bytes)
        while !scanner.isAtEnd {
            let key = scanner.token()
            if key.equals(wanted) { return scanner.unsigned() }
            scanner.skipLine()
        }
        return nil
    }
}
