/// The vocabulary of the "proc" source: what the Linux collector reads, named and measured the way
/// /proc and /sys present it. The normalizer turns these into canonical metrics (`ProcNormalization`).
public enum ProcReading {
    public static let source = "proc"

    /// Busy share of CPU time since the previous tick, 0...1. Labels: cpu=total|0..n.
    public static let cpuBusyRatio = "stat.cpu.busy_ratio"
    /// iowait share of CPU time since the previous tick, 0...1 (cpu=total only).
    public static let cpuIowaitRatio = "stat.cpu.iowait_ratio"
    /// /proc/loadavg fields.
    public static let loadavg1 = "loadavg.1"
    public static let loadavg5 = "loadavg.5"
    public static let loadavg15 = "loadavg.15"
    /// /proc/meminfo fields in kibibytes, as the file gives them.
    public static let memTotalKiB = "meminfo.MemTotal_kB"
    public static let memAvailableKiB = "meminfo.MemAvailable_kB"
    public static let swapTotalKiB = "meminfo.SwapTotal_kB"
    public static let swapFreeKiB = "meminfo.SwapFree_kB"
    /// statvfs of a mount, in bytes (label mount, fstype). Used counts blocks not free to anyone, as `df` does.
    public static let fsSizeBytes = "statvfs.size_bytes"
    public static let fsUsedBytes = "statvfs.used_bytes"
    public static let fsAvailBytes = "statvfs.avail_bytes"
    /// /proc/diskstats rates in 512-byte sectors per second (label device).
    public static let diskSectorsReadPerSecond = "diskstats.sectors_read_per_s"
    public static let diskSectorsWrittenPerSecond = "diskstats.sectors_written_per_s"
    /// /proc/net/dev rates in bytes per second (label iface).
    public static let netRxBytesPerSecond = "netdev.rx_bytes_per_s"
    public static let netTxBytesPerSecond = "netdev.tx_bytes_per_s"
    /// Number of processes (numeric entries of /proc).
    public static let processCount = "proc.processes"
    /// First field of /proc/uptime.
    public static let uptimeSeconds = "uptime.seconds"
    /// Per container, from its cgroup (label container): CPU time in seconds per second (1 = one core busy).
    public static let cgroupCPUSecondsPerSecond = "cgroup.cpu_seconds_per_s"
    /// Memory in use minus inactive file pages, in bytes (cgroup v2 memory.current, v1 memory.usage_in_bytes).
    public static let cgroupMemoryBytes = "cgroup.memory_bytes"
    /// Block I/O rates in bytes per second (v2 io.stat rbytes/wbytes, v1 blkio io_service_bytes).
    public static let cgroupIOReadBytesPerSecond = "cgroup.io_read_bytes_per_s"
    public static let cgroupIOWriteBytesPerSecond = "cgroup.io_write_bytes_per_s"
    /// Network rates of the container's network namespace (its first process's /proc/<pid>/net/dev, without lo).
    public static let cgroupNetRxBytesPerSecond = "cgroup.net_rx_bytes_per_s"
    public static let cgroupNetTxBytesPerSecond = "cgroup.net_tx_bytes_per_s"
}
