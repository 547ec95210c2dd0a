/// The cumulative counters of one cgroup, read from cgroup v2 or v1 files: what per-container CPU,
/// memory and block I/O figures are computed from.
public struct CgroupCounters: Sendable, Equatable {
    /// CPU time used by the cgroup's tasks since it was created, in nanoseconds.
    public var cpuNanoseconds: UInt64?
    /// Memory charged to the cgroup minus its inactive file pages (reclaimable cache), as `docker stats` counts.
    public var memoryBytes: UInt64?
    /// Bytes read from and written to block devices, summed over devices.
    public var ioReadBytes: UInt64?
    public var ioWriteBytes: UInt64?

    public init(
        cpuNanoseconds: UInt64? = nil, memoryBytes: UInt64? = nil, ioReadBytes: UInt64? = nil,
        ioWriteBytes: UInt64? = nil
    ) {
        self.cpuNanoseconds = cpuNanoseconds
        self.memoryBytes = memoryBytes
        self.ioReadBytes = ioReadBytes
        self.ioWriteBytes = ioWriteBytes
    }
}

/// Block I/O totals of a cgroup, summed over its devices.
public struct CgroupIOTotals: Sendable, Equatable {
    public var readBytes: UInt64
    public var writeBytes: UInt64

    public init(readBytes: UInt64, writeBytes: UInt64) {
        self.readBytes = readBytes
        self.writeBytes = writeBytes
    }
}
