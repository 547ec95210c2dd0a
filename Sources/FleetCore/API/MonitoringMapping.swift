import FleetProto

/// Canonical samples in the terms of the original `monitoring` contract (DESIGN.md):
///
/// | MetricType | from | unit |
/// | --- | --- | --- |
/// | CPU_PERCENT | cpu.usage_percent{cpu=total} | % |
/// | MEMORY_PERCENT | mem.used_percent | % |
/// | MEMORY_USED_GB | mem.used_bytes | GB (10^9 bytes) |
/// | DISK_PERCENT | disk.used_percent{mount} | %, one per mount (label mount) |
/// | NETWORK_SENT_MBPS / NETWORK_RECV_MBPS | net.sent/recv_bytes_per_s{iface}, loopback excluded | megabits per second, one per interface (label iface) |
///
/// Everything else has no MetricType and is left out.
public enum MonitoringMapping {
    public static func metric(machineID: String, _ sample: LiveSample) -> Monitoring_Metric? {
        let type: Monitoring_MetricType
        var value = sample.value
        switch sample.metric {
        case MetricName.cpuUsagePercent where sample.labels["cpu"] == "total":
            type = .cpuPercent
        case MetricName.memUsedPercent:
            type = .memoryPercent
        case MetricName.memUsedBytes:
            type = .memoryUsedGb
            value /= 1e9
        case MetricName.diskUsedPercent:
            type = .diskPercent
        case MetricName.netSentBytesPerSecond where sample.labels["iface"] != "lo":
            type = .networkSentMbps
            value = value * 8 / 1e6
        case MetricName.netRecvBytesPerSecond where sample.labels["iface"] != "lo":
            type = .networkRecvMbps
            value = value * 8 / 1e6
        default:
            return nil
        }
        return .with {
            $0.machineID = machineID
            $0.timestamp = sample.timeMs
            $0.type = type
            $0.value = value
            $0.labels = sample.labels.filter { $0.key != "cpu" }
        }
    }

    /// HEALTHY while the machine reports, UNKNOWN once it is stale (firing alerts will add WARNING and CRITICAL).
    public static func health(_ status: MachineStatus) -> Monitoring_HealthStatus {
        status == .online ? .healthy : .unknown
    }
}
