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
}
