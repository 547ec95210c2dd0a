/// Canonical metric names (DESIGN.md): dotted, lower case, the unit spelled in the name; labels carry dimensions.
public enum MetricName {
    public static let cpuUsagePercent = "cpu.usage_percent"  // {cpu=total|0..n}
    public static let cpuIowaitPercent = "cpu.iowait_percent"
    public static let load1m = "load.1m"
    public static let load5m = "load.5m"
    public static let load15m = "load.15m"
    public static let memUsedPercent = "mem.used_percent"
    public static let memUsedBytes = "mem.used_bytes"
    public static let memAvailableBytes = "mem.available_bytes"
    public static let memTotalBytes = "mem.total_bytes"
    public static let swapUsedPercent = "swap.used_percent"
    public static let diskUsedPercent = "disk.used_percent"  // {mount}
    public static let diskUsedBytes = "disk.used_bytes"  // {mount}
    public static let diskReadBytesPerSecond = "disk.read_bytes_per_s"  // {device}
    public static let diskWriteBytesPerSecond = "disk.write_bytes_per_s"  // {device}
    public static let netRecvBytesPerSecond = "net.recv_bytes_per_s"  // {iface}
    public static let netSentBytesPerSecond = "net.sent_bytes_per_s"  // {iface}
    public static let procCount = "proc.count"
    public static let hostUptimeSeconds = "host.uptime_seconds"
    /// Per container (label `container`): CPU in percent of one core (200 = two cores busy), memory in use
    /// (without the inactive page cache, as `docker stats` counts it), block I/O and network rates.
    public static let containerCPUUsagePercent = "container.cpu.usage_percent"  // {container}
    public static let containerMemUsedBytes = "container.mem.used_bytes"  // {container}
    public static let containerIOReadBytesPerSecond = "container.io.read_bytes_per_s"  // {container}
    public static let containerIOWriteBytesPerSecond = "container.io.write_bytes_per_s"  // {container}
    public static let containerNetRecvBytesPerSecond = "container.net.recv_bytes_per_s"  // {container}
    public static let containerNetSentBytesPerSecond = "container.net.sent_bytes_per_s"  // {container}

    /// The per-container metrics, in the order the machine page shows them.
    public static let containerMetrics: [String] = [
        containerCPUUsagePercent, containerMemUsedBytes, containerIOReadBytesPerSecond,
        containerIOWriteBytesPerSecond, containerNetRecvBytesPerSecond, containerNetSentBytesPerSecond,
    ]

    public static let all: Set<String> = Set([
        cpuUsagePercent, cpuIowaitPercent, load1m, load5m, load15m, memUsedPercent, memUsedBytes,
        memAvailableBytes, memTotalBytes, swapUsedPercent, diskUsedPercent, diskUsedBytes,
        diskReadBytesPerSecond, diskWriteBytesPerSecond, netRecvBytesPerSecond, netSentBytesPerSecond,
        procCount, hostUptimeSeconds,
    ]).union(containerMetrics)
}
