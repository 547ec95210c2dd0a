import FleetProto

/// Turns a batch of the "proc" source into canonical samples (DESIGN.md names and SI units):
/// scales units, derives used/percent figures the way `free` and `df` do, and names dimensions.
///
/// Scaling is arithmetic on what a sender chose: a reading of 1e308 becomes +Inf once multiplied by 100 or
/// 1024. Every canonical value is therefore checked (`SampleValue`) before it is emitted, and a figure derived
/// from an unusable input is not derived at all; what is left out is reported in `Output.dropped`, the other
/// samples of the batch go on.
public enum ProcNormalization {
    /// The result of normalizing one batch: canonical samples, the reading keys it did not know, and the
    /// canonical values left out because they are not usable.
    public struct Output: Sendable {
        public var samples: [Fleetwatch_V1_Sample]
        public var unknownKeys: [String]
        public var dropped: [DroppedValue]
    }

    public static func normalize(_ readings: [Fleetwatch_V1_Reading], timestampMs: Int64) -> Output {
        var out = Output(samples: [], unknownKeys: [], dropped: [])
        out.samples.reserveCapacity(readings.count + 4)
        var memTotal: Double?
        var memAvailable: Double?
        var swapTotal: Double?
        var swapFree: Double?
        var fsUsed: [String: Double] = [:]
        var fsAvail: [String: Double] = [:]

        func emit(_ name: String, _ value: Double, _ labels: [String: String] = [:]) {
            guard SampleValue.isUsable(value) else {
                out.dropped.append(DroppedValue(metric: name, labels: labels, value: value))
                return
            }
            var sample = Fleetwatch_V1_Sample()
            sample.name = name
            sample.value = value
            sample.labels = labels
            sample.timestampMs = timestampMs
            out.samples.append(sample)
        }
        // A figure derived from an unusable input could be finite yet meaningless (a percent of an overflowed
        // total): it is left out, reported with the input that spoiled it.
        func derive(
            _ name: String, from inputs: [Double], _ labels: [String: String] = [:], _ value: () -> Double
        ) {
            if let bad = inputs.first(where: { !SampleValue.isUsable($0) }) {
                out.dropped.append(DroppedValue(metric: name, labels: labels, value: bad))
            } else {
                emit(name, value(), labels)
            }
        }

        for reading in readings {
            let v = reading.value
            switch reading.key {
            case ProcReading.cpuBusyRatio: emit(MetricName.cpuUsagePercent, v * 100, reading.labels)
            case ProcReading.cpuIowaitRatio: emit(MetricName.cpuIowaitPercent, v * 100)
            case ProcReading.loadavg1: emit(MetricName.load1m, v)
            case ProcReading.loadavg5: emit(MetricName.load5m, v)
            case ProcReading.loadavg15: emit(MetricName.load15m, v)
            case ProcReading.memTotalKiB: memTotal = v * 1024
            case ProcReading.memAvailableKiB: memAvailable = v * 1024
            case ProcReading.swapTotalKiB: swapTotal = v * 1024
            case ProcReading.swapFreeKiB: swapFree = v * 1024
            case ProcReading.fsUsedBytes: fsUsed[reading.labels["mount"] ?? "", default: 0] = v
            case ProcReading.fsAvailBytes: fsAvail[reading.labels["mount"] ?? "", default: 0] = v
            case ProcReading.diskSectorsReadPerSecond:
                emit(MetricName.diskReadBytesPerSecond, v * 512, device(reading.labels))
            case ProcReading.diskSectorsWrittenPerSecond:
                emit(MetricName.diskWriteBytesPerSecond, v * 512, device(reading.labels))
            case ProcReading.netRxBytesPerSecond: emit(MetricName.netRecvBytesPerSecond, v, iface(reading.labels))
            case ProcReading.netTxBytesPerSecond: emit(MetricName.netSentBytesPerSecond, v, iface(reading.labels))
            case ProcReading.processCount: emit(MetricName.procCount, v)
            case ProcReading.uptimeSeconds: emit(MetricName.hostUptimeSeconds, v)
            case ProcReading.cgroupCPUSecondsPerSecond:
                emit(MetricName.containerCPUUsagePercent, v * 100, container(reading.labels))
            case ProcReading.cgroupMemoryBytes: emit(MetricName.containerMemUsedBytes, v, container(reading.labels))
            case ProcReading.cgroupIOReadBytesPerSecond:
                emit(MetricName.containerIOReadBytesPerSecond, v, container(reading.labels))
            case ProcReading.cgroupIOWriteBytesPerSecond:
                emit(MetricName.containerIOWriteBytesPerSecond, v, container(reading.labels))
            case ProcReading.cgroupNetRxBytesPerSecond:
                emit(MetricName.containerNetRecvBytesPerSecond, v, container(reading.labels))
            case ProcReading.cgroupNetTxBytesPerSecond:
                emit(MetricName.containerNetSentBytesPerSecond, v, container(reading.labels))
            default: out.unknownKeys.append(reading.key)
            }
        }

        // `free` (procps 4) and psutil: used = total - available.
        if let total = memTotal, let available = memAvailable, total > 0 {
            let used = max(0, total - available)
            emit(MetricName.memTotalBytes, total)
            emit(MetricName.memAvailableBytes, available)
            derive(MetricName.memUsedBytes, from: [total, available]) { used }
            derive(MetricName.memUsedPercent, from: [total, available]) { used / total * 100 }
        }
        if let total = swapTotal, let free = swapFree {
            derive(MetricName.swapUsedPercent, from: [total, free]) { total > 0 ? max(0, total - free) / total * 100 : 0 }
        }
        // `df`: use% = used / (used + available to unprivileged users).
        for (mount, used) in fsUsed.sorted(by: { $0.key < $1.key }) {
            let labels = ["mount": mount]
            let available = fsAvail[mount] ?? 0
            emit(MetricName.diskUsedBytes, used, labels)
            derive(MetricName.diskUsedPercent, from: [used, available], labels) {
                let usable = used + available
                return usable > 0 ? used / usable * 100 : 0
            }
        }
        return out
    }

    private static func device(_ labels: [String: String]) -> [String: String] { ["device": labels["device"] ?? ""] }
    private static func container(_ labels: [String: String]) -> [String: String] {
        ["container": labels["container"] ?? ""]
    }
    private static func iface(_ labels: [String: String]) -> [String: String] { ["iface": labels["iface"] ?? ""] }
}
