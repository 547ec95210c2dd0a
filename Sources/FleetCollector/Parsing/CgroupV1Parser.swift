/// Parses the cgroup v1 files a container's figures come from, where v1 controllers are all there is
/// (or hybrid mode, where the unified hierarchy has no controllers): `cpuacct.usage` (nanoseconds),
/// `memory.usage_in_bytes`, `memory.stat` (total_inactive_file) and blkio's `io_service_bytes` files.
public enum CgroupV1Parser {
    /// cpuacct.usage or memory.usage_in_bytes: one number.
    public static func single(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        CgroupV2Parser.single(bytes)
    }

    /// `total_inactive_file` of a v1 memory.stat (the hierarchy's figure, children included).
    public static func inactiveFileBytes(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        CgroupKeyedFile.value(of: "total_inactive_file", in: bytes)
    }

    /// blkio.throttle.io_service_bytes (or blkio.io_service_bytes): "8:0 Read 123" lines per device and
    /// operation, and a closing "Total 456" line, which is skipped.
    public static func ioTotals(_ bytes: UnsafeRawBufferPointer) -> CgroupIOTotals {
        var scanner = ByteScanner(bytes)
        var totals = CgroupIOTotals(readBytes: 0, writeBytes: 0)
        while !scanner.isAtEnd {
            let device = scanner.token()
            guard !device.equals("Total") else {
                scanner.skipLine()
                continue
            }
            let operation = scanner.token()
            if let value = scanner.unsigned() {
                if operation.equals("Read") {
                    totals.readBytes &+= value
                } else if operation.equals("Write") {
                    totals.writeBytes &+= value
                }
            }
            scanner.skipLine()
        }
        return totals
    }
}
