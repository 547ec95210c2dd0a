/// The handful of values the fleet overview shows per machine, derived from its latest samples.
/// A value is nil until a sample that feeds it arrived.
public struct MachineSummary: Sendable, Equatable, Codable {
    /// `cpu.usage_percent{cpu=total}`.
    public var cpuPercent: Double?
    /// `mem.used_percent`.
    public var memPercent: Double?
    /// The fullest mount: the highest `disk.used_percent`.
    public var diskPercent: Double?
    /// Sums over devices.
    public var diskReadBytesPerSecond: Double?
    public var diskWriteBytesPerSecond: Double?
    /// Sums over interfaces, loopback excluded.
    public var netRecvBytesPerSecond: Double?
    public var netSentBytesPerSecond: Double?
    /// `load.1m`.
    public var load1m: Double?

    public init() {}

    /// Folds `samples` (the latest value of each series of one machine) into the summary.
    public init(latest samples: some Sequence<LiveSample>) {
        for sample in samples { fold(sample) }
    }

    private mutating func fold(_ sample: LiveSample) {
        // Saturating: values are bounded (`SampleValue`), but a sum over many series must not overflow to Inf
        // either, which no JSON reader could be sent.
        func add(_ value: Double, to total: inout Double?) {
            let sum = (total ?? 0) + value
            total = sum.isFinite ? sum : (sum > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude)
        }
        switch sample.metric {
        case MetricName.cpuUsagePercent where sample.labels["cpu"] == "total":
            cpuPercent = sample.value
        case MetricName.memUsedPercent:
            memPercent = sample.value
        case MetricName.diskUsedPercent:
            diskPercent = max(diskPercent ?? sample.value, sample.value)
        case MetricName.diskReadBytesPerSecond:
            add(sample.value, to: &diskReadBytesPerSecond)
        case MetricName.diskWriteBytesPerSecond:
            add(sample.value, to: &diskWriteBytesPerSecond)
        case MetricName.netRecvBytesPerSecond where !Self.isLoopback(sample.labels["iface"]):
            add(sample.value, to: &netRecvBytesPerSecond)
        case MetricName.netSentBytesPerSecond where !Self.isLoopback(sample.labels["iface"]):
            add(sample.value, to: &netSentBytesPerSecond)
        case MetricName.load1m:
            load1m = sample.value
        default:
            break
        }
    }

    private static func isLoopback(_ iface: String?) -> Bool { iface == "lo" }

    enum CodingKeys: String, CodingKey {
        case cpuPercent = "cpu_percent"
        case memPercent = "mem_percent"
        case diskPercent = "disk_percent"
        case diskReadBytesPerSecond = "disk_read_bytes_per_s"
        case diskWriteBytesPerSecond = "disk_write_bytes_per_s"
        case netRecvBytesPerSecond = "net_recv_bytes_per_s"
        case netSentBytesPerSecond = "net_sent_bytes_per_s"
        case load1m = "load_1m"
    }

    /// Unknown values are written as null (not left out), so every client sees the same keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cpuPercent, forKey: .cpuPercent)
        try container.encode(memPercent, forKey: .memPercent)
        try container.encode(diskPercent, forKey: .diskPercent)
        try container.encode(diskReadBytesPerSecond, forKey: .diskReadBytesPerSecond)
        try container.encode(diskWriteBytesPerSecond, forKey: .diskWriteBytesPerSecond)
        try container.encode(netRecvBytesPerSecond, forKey: .netRecvBytesPerSecond)
        try container.encode(netSentBytesPerSecond, forKey: .netSentBytesPerSecond)
        try container.encode(load1m, forKey: .load1m)
    }
}
