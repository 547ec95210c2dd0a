import FleetCore
import FleetProto

/// Turns consecutive node_exporter scrapes into readings of the "node_exporter" source (`NodeExporterReading`):
/// the families Fleetwatch knows become the proc vocabulary the normalizer already maps onto canonical names
/// (counters become rates between two scrapes, so the first scrape has no CPU, disk or network figures), and every
/// other sample passes through under its own name and labels when it fits the edge's rules (`BatchLimits`);
/// what does not fit is counted, never sent, so one odd series cannot get the whole batch refused.
public struct NodeExporterTranslator: Sendable {
    /// The families consumed by the mapping; they do not pass through.
    public static let mappedFamilies: Set<String> = [
        "node_cpu_seconds_total", "node_load1", "node_load5", "node_load15", "node_memory_MemTotal_bytes",
        "node_memory_MemAvailable_bytes", "node_memory_SwapTotal_bytes", "node_memory_SwapFree_bytes",
        "node_filesystem_size_bytes", "node_filesystem_free_bytes", "node_filesystem_avail_bytes",
        "node_disk_read_bytes_total", "node_disk_written_bytes_total", "node_network_receive_bytes_total",
        "node_network_transmit_bytes_total", "node_time_seconds", "node_boot_time_seconds",
    ]

    /// CPU modes that count as busy, as the Linux collector counts them (idle and iowait are not).
    static let busyModes: Set<String> = ["user", "nice", "system", "irq", "softirq", "steal"]

    /// One scrape's readings and what was left out of them.
    public struct Output: Sendable {
        public var readings: [Fleetwatch_V1_Reading] = []
        /// Pass-through samples that did not fit the edge's rules (name, labels, or the batch's reading count).
        public var skipped = 0
        /// Who the scraped machine says it is (node_uname_info, node_os_info); empty fields when it does not say.
        public var hostname = ""
        public var os = ""
        public var kernel = ""
        public var cpuCores: Int32 = 0
        public var exporterVersion = ""
    }

    private struct Counters: Sendable {
        var atSeconds: Double
        var cpuBusy: [String: Double] = [:]
        var cpuTotal: [String: Double] = [:]
        var cpuIowait: [String: Double] = [:]
        var diskRead: [String: Double] = [:]
        var diskWritten: [String: Double] = [:]
        var netReceived: [String: Double] = [:]
        var netSent: [String: Double] = [:]
    }

    public var includeLoopback: Bool
    public var limits: BatchLimits
    private var previous: Counters?

    public init(includeLoopback: Bool = false, limits: BatchLimits = .standard) {
        self.includeLoopback = includeLoopback
        self.limits = limits
    }

    /// The readings of `exposition`, scraped at `atSeconds` on a monotonic clock (for rates).
    public mutating func translate(_ exposition: PrometheusExposition, atSeconds: Double) -> Output {
        var out = Output()
        var now = Counters(atSeconds: atSeconds)
        var gauges: [String: Double] = [:]
        var fsSize: [String: (Double, String)] = [:]
        var fsFree: [String: Double] = [:]
        var fsAvail: [String: Double] = [:]
        var cpus = Set<String>()
        var passThrough: [Fleetwatch_V1_Reading] = []

        for sample in exposition.samples {
            let labels = sample.labels
            switch sample.name {
            case "node_cpu_seconds_total":
                guard let cpu = labels["cpu"], let mode = labels["mode"] else { continue }
                cpus.insert(cpu)
                for key in [cpu, "total"] {
                    now.cpuTotal[key, default: 0] += sample.value
                    if Self.busyModes.contains(mode) { now.cpuBusy[key, default: 0] += sample.value }
                    if mode == "iowait" { now.cpuIowait[key, default: 0] += sample.value }
                }
            case "node_filesystem_size_bytes", "node_filesystem_free_bytes", "node_filesystem_avail_bytes":
                guard let mount = labels["mountpoint"], !MountsParser.pseudoFileSystemTypes.contains(labels["fstype"] ?? "")
                else { continue }
                switch sample.name {
                case "node_filesystem_size_bytes": fsSize[mount] = (sample.value, labels["fstype"] ?? "")
                case "node_filesystem_free_bytes": fsFree[mount] = sample.value
                default: fsAvail[mount] = sample.value
                }
            case "node_disk_read_bytes_total": now.diskRead[labels["device"] ?? ""] = sample.value
            case "node_disk_written_bytes_total": now.diskWritten[labels["device"] ?? ""] = sample.value
            case "node_network_receive_bytes_total", "node_network_transmit_bytes_total":
                let iface = labels["device"] ?? ""
                guard includeLoopback || iface != "lo" else { continue }
                if sample.name == "node_network_receive_bytes_total" {
                    now.netReceived[iface] = sample.value
                } else {
                    now.netSent[iface] = sample.value
                }
            case _ where Self.mappedFamilies.contains(sample.name):
                gauges[sample.name] = sample.value
            default:
                if sample.name == "node_uname_info" {
                    out.hostname = labels["nodename"] ?? ""
                    out.kernel = labels["release"] ?? ""
                } else if sample.name == "node_os_info" {
                    out.os = labels["pretty_name"] ?? labels["name"] ?? ""
                } else if sample.name == "node_exporter_build_info" {
                    out.exporterVersion = labels["version"] ?? ""
                }
                if fits(sample) {
                    passThrough.append(Fleetwatch_V1_Reading.make(sample.name, sample.value, sample.labels))
                } else {
                    out.skipped += 1
                }
            }
        }
        out.cpuCores = Int32(clamping: cpus.count)

        var mapped: [Fleetwatch_V1_Reading] = []
        func add(_ key: String, _ value: Double, _ labels: [String: String] = [:]) {
            mapped.append(Fleetwatch_V1_Reading.make(key, value, labels))
        }
        if let value = gauges["node_load1"] { add(ProcReading.loadavg1, value) }
        if let value = gauges["node_load5"] { add(ProcReading.loadavg5, value) }
        if let value = gauges["node_load15"] { add(ProcReading.loadavg15, value) }
        // The proc vocabulary counts memory in KiB, as /proc/meminfo does; node_exporter multiplied by 1024.
        if let value = gauges["node_memory_MemTotal_bytes"] { add(ProcReading.memTotalKiB, value / 1024) }
        if let value = gauges["node_memory_MemAvailable_bytes"] { add(ProcReading.memAvailableKiB, value / 1024) }
        if let value = gauges["node_memory_SwapTotal_bytes"] { add(ProcReading.swapTotalKiB, value / 1024) }
        if let value = gauges["node_memory_SwapFree_bytes"] { add(ProcReading.swapFreeKiB, value / 1024) }
        if let time = gauges["node_time_seconds"], let boot = gauges["node_boot_time_seconds"] {
            add(ProcReading.uptimeSeconds, max(0, time - boot))
        }
        // `df`: used = size - free (blocks reserved for root count as used); available is what others may use.
        for (mount, (size, fstype)) in fsSize.sorted(by: { $0.key < $1.key }) {
            let labels = ["mount": mount, "fstype": fstype]
            if let free = fsFree[mount] { add(ProcReading.fsUsedBytes, max(0, size - free), labels) }
            if let available = fsAvail[mount] { add(ProcReading.fsAvailBytes, available, labels) }
        }
        if let before = previous, atSeconds > before.atSeconds {
            let elapsed = atSeconds - before.atSeconds
            for (cpu, total) in now.cpuTotal.sorted(by: { $0.key < $1.key }) {
                guard let totalBefore = before.cpuTotal[cpu], total - totalBefore > 0 else { continue }
                let spent = total - totalBefore
                let busy = (now.cpuBusy[cpu] ?? 0) - (before.cpuBusy[cpu] ?? 0)
                guard busy >= 0 else { continue }
                add(ProcReading.cpuBusyRatio, min(1, busy / spent), ["cpu": cpu])
                if cpu == "total" {
                    let iowait = (now.cpuIowait[cpu] ?? 0) - (before.cpuIowait[cpu] ?? 0)
                    if iowait >= 0 { add(ProcReading.cpuIowaitRatio, min(1, iowait / spent), ["cpu": cpu]) }
                }
            }
            func rates(_ current: [String: Double], _ earlier: [String: Double], _ key: String, _ label: String, scale: Double) {
                for (name, value) in current.sorted(by: { $0.key < $1.key }) {
                    // A counter that went down was reset (a reboot, a device re-added): no rate this time.
                    guard let old = earlier[name], value >= old else { continue }
                    add(key, (value - old) / elapsed / scale, [label: name])
                }
            }
            // The proc vocabulary counts disk traffic in 512-byte sectors, as /proc/diskstats does.
            rates(now.diskRead, before.diskRead, ProcReading.diskSectorsReadPerSecond, "device", scale: 512)
            rates(now.diskWritten, before.diskWritten, ProcReading.diskSectorsWrittenPerSecond, "device", scale: 512)
            rates(now.netReceived, before.netReceived, ProcReading.netRxBytesPerSecond, "iface", scale: 1)
            rates(now.netSent, before.netSent, ProcReading.netTxBytesPerSecond, "iface", scale: 1)
        }
        previous = now

        let room = max(0, limits.maxReadings - mapped.count)
        if passThrough.count > room {
            out.skipped += passThrough.count - room
            passThrough.removeLast(passThrough.count - room)
        }
        out.readings = mapped + passThrough
        return out
    }

    /// Whether a pass-through sample meets the edge's rules for a reading.
    private func fits(_ sample: PrometheusSample) -> Bool {
        guard sample.name.utf8.count <= limits.maxKeyLength, sample.labels.count <= limits.maxLabelsPerReading else {
            return false
        }
        return sample.labels.allSatisfy { name, value in
            !name.isEmpty && name.utf8.count <= limits.maxLabelNameLength && value.utf8.count <= limits.maxLabelValueLength
        }
    }
}
