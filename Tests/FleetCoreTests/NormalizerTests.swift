import FleetCore
import FleetProto
import Testing

@Suite struct NormalizerTests {
    static let now: Int64 = 1_800_000_000_000

    static func reading(_ key: String, _ value: Double, _ labels: [String: String] = [:]) -> Fleetwatch_V1_Reading {
        var reading = Fleetwatch_V1_Reading()
        reading.key = key
        reading.value = value
        reading.labels = labels
        return reading
    }

    static func batch(_ readings: [Fleetwatch_V1_Reading]) -> Fleetwatch_V1_RawBatch {
        var batch = Fleetwatch_V1_RawBatch()
        batch.machineID = "m-1"
        batch.sequence = 7
        batch.source = ProcReading.source
        batch.timestampMs = now - 1000
        batch.identity.machineID = "m-1"
        batch.identity.hostname = "web-1"
        batch.identity.labels = ["env": "prod"]
        batch.readings = readings
        return batch
    }

    func value(_ batch: Fleetwatch_V1_MetricBatch, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        batch.samples.first { $0.name == name && $0.labels == labels }?.value
    }

    @Test func scalesUnitsAndRenames() throws {
        let raw = Self.batch([
            Self.reading(ProcReading.cpuBusyRatio, 0.25, ["cpu": "total"]),
            Self.reading(ProcReading.cpuIowaitRatio, 0.01),
            Self.reading(ProcReading.loadavg1, 1.5),
            Self.reading(ProcReading.diskSectorsReadPerSecond, 10, ["device": "vda"]),
            Self.reading(ProcReading.netTxBytesPerSecond, 300, ["iface": "eth0"]),
            Self.reading(ProcReading.uptimeSeconds, 99),
        ])
        let out = try Normalizer().normalize(raw, receivedMs: Self.now, nowMs: Self.now).batch
        #expect(value(out, MetricName.cpuUsagePercent, ["cpu": "total"]) == 25)
        #expect(value(out, MetricName.cpuIowaitPercent) == 1)
        #expect(value(out, MetricName.load1m) == 1.5)
        #expect(value(out, MetricName.diskReadBytesPerSecond, ["device": "vda"]) == 5120)
        #expect(value(out, MetricName.netSentBytesPerSecond, ["iface": "eth0"]) == 300)
        #expect(value(out, MetricName.hostUptimeSeconds) == 99)
        #expect(out.samples.allSatisfy { $0.timestampMs == Self.now - 1000 })
        #expect(out.machine.hostname == "web-1")
        #expect(out.machine.labels == ["env": "prod"])
        #expect(out.sequence == 7)
        #expect(out.receivedMs == Self.now)
    }

    @Test func derivesMemoryLikeFree() throws {
        // free: used = total - available.
        let raw = Self.batch([
            Self.reading(ProcReading.memTotalKiB, 1000),
            Self.reading(ProcReading.memAvailableKiB, 250),
            Self.reading(ProcReading.swapTotalKiB, 200),
            Self.reading(ProcReading.swapFreeKiB, 150),
        ])
        let out = try Normalizer().normalize(raw, receivedMs: Self.now, nowMs: Self.now).batch
        #expect(value(out, MetricName.memTotalBytes) == 1_024_000)
        #expect(value(out, MetricName.memUsedBytes) == 768_000)
        #expect(value(out, MetricName.memAvailableBytes) == 256_000)
        #expect(value(out, MetricName.memUsedPercent) == 75)
        #expect(value(out, MetricName.swapUsedPercent) == 25)
    }

    @Test func swapPercentIsZeroWithoutSwap() throws {
        let raw = Self.batch([Self.reading(ProcReading.swapTotalKiB, 0), Self.reading(ProcReading.swapFreeKiB, 0)])
        let out = try Normalizer().normalize(raw, receivedMs: Self.now, nowMs: Self.now).batch
        #expect(value(out, MetricName.swapUsedPercent) == 0)
    }

    @Test func derivesDiskPercentLikeDf() throws {
        // df: use% = used / (used + avail), reserved blocks excluded.
        let raw = Self.batch([
            Self.reading(ProcReading.fsUsedBytes, 600, ["mount": "/", "fstype": "ext4"]),
            Self.reading(ProcReading.fsAvailBytes, 200, ["mount": "/", "fstype": "ext4"]),
        ])
        let out = try Normalizer().normalize(raw, receivedMs: Self.now, nowMs: Self.now).batch
        #expect(value(out, MetricName.diskUsedBytes, ["mount": "/"]) == 600)
        #expect(value(out, MetricName.diskUsedPercent, ["mount": "/"]) == 75)
    }

    @Test func reportsUnknownKeysWithoutStoringThem() throws {
        let raw = Self.batch([Self.reading("made.up", 1), Self.reading(ProcReading.loadavg5, 2)])
        let result = try Normalizer().normalize(raw, receivedMs: Self.now, nowMs: Self.now)
        #expect(result.unknownKeys == ["made.up"])
        #expect(result.batch.samples.map(\.name) == [MetricName.load5m])
    }

    @Test func refusesUnknownSource() {
        var raw = Self.batch([])
        raw.source = "snmp"
        #expect(throws: ValidationError("source", "unknown source 'snmp'; known: proc, node_exporter")) {
            try Normalizer().normalize(raw, receivedMs: Self.now, nowMs: Self.now)
        }
    }

    /// Issue 12, defect 1: `stat.cpu.busy_ratio = 1e308` became +Inf once scaled to percent, and the persister
    /// dead-lettered the whole batch. Now every canonical value is finite and usable, and the good ones stay.
    @Test func hugeReadingsAreDroppedAndTheGoodOnesKept() throws {
        let raw = Self.batch([
            Self.reading(ProcReading.cpuBusyRatio, 1e308, ["cpu": "total"]),
            Self.reading(ProcReading.cpuIowaitRatio, -1e308),
            Self.reading(ProcReading.memTotalKiB, 1e308),
            Self.reading(ProcReading.memAvailableKiB, 250),
            Self.reading(ProcReading.swapTotalKiB, 1e299),  // 1e302 bytes: finite, yet beyond ±1e300
            Self.reading(ProcReading.swapFreeKiB, 1),
            Self.reading(ProcReading.diskSectorsReadPerSecond, .greatestFiniteMagnitude, ["device": "vda"]),
            Self.reading(ProcReading.fsUsedBytes, 1e308, ["mount": "/"]),
            Self.reading(ProcReading.fsAvailBytes, 1e308, ["mount": "/"]),
            Self.reading(ProcReading.loadavg1, 1.5),
            Self.reading(ProcReading.netRxBytesPerSecond, 300, ["iface": "eth0"]),
        ])
        let result = try Normalizer().normalize(raw, receivedMs: Self.now, nowMs: Self.now)
        let out = result.batch
        #expect(out.samples.allSatisfy { $0.value.isFinite && abs($0.value) <= SampleValue.maxMagnitude })
        #expect(value(out, MetricName.load1m) == 1.5)
        #expect(value(out, MetricName.netRecvBytesPerSecond, ["iface": "eth0"]) == 300)
        #expect(value(out, MetricName.memAvailableBytes) == 256_000)
        #expect(
            Set(out.samples.map(\.name))
                == [MetricName.load1m, MetricName.netRecvBytesPerSecond, MetricName.memAvailableBytes])
        #expect(
            Set(result.dropped.map(\.series)) == [
                "cpu.usage_percent{cpu=total}", "cpu.iowait_percent", "mem.total_bytes", "mem.used_bytes",
                "mem.used_percent", "swap.used_percent", "disk.read_bytes_per_s{device=vda}",
                "disk.used_bytes{mount=/}", "disk.used_percent{mount=/}",
            ])
    }

    /// The edge refuses a non-finite reading; one published straight on fleet.raw used to send the whole batch
    /// to the dead-letter queue from the normalizer. Now only that reading is left out.
    @Test func nonFiniteReadingsFromTheBusAreDroppedNotTheBatch() throws {
        var raw = Self.batch([
            Self.reading(ProcReading.loadavg1, .nan),
            Self.reading(ProcReading.loadavg5, .infinity),
            Self.reading(ProcReading.loadavg15, 0.5),
        ])
        raw.processes = .with {
            $0.timestampMs = Self.now - 1000
            $0.byCpu = [.with { $0.pid = 1; $0.cpuPercent = .nan }, .with { $0.pid = 2; $0.cpuPercent = 12 }]
        }
        let result = try Normalizer().normalize(raw, receivedMs: Self.now, nowMs: Self.now)
        #expect(result.batch.samples.map(\.name) == [MetricName.load15m])
        #expect(result.batch.processes.byCpu.map(\.pid) == [2])
        #expect(result.dropped.map(\.series) == [ProcReading.loadavg1, ProcReading.loadavg5, "process 1 cpu_percent"])
    }

    @Test func everyProcReadingHasACanonicalName() throws {
        let keys = [
            ProcReading.cpuBusyRatio, ProcReading.cpuIowaitRatio, ProcReading.loadavg1, ProcReading.loadavg5,
            ProcReading.loadavg15, ProcReading.memTotalKiB, ProcReading.memAvailableKiB, ProcReading.swapTotalKiB,
            ProcReading.swapFreeKiB, ProcReading.fsUsedBytes, ProcReading.fsAvailBytes,
            ProcReading.diskSectorsReadPerSecond, ProcReading.diskSectorsWrittenPerSecond,
            ProcReading.netRxBytesPerSecond, ProcReading.netTxBytesPerSecond, ProcReading.processCount,
            ProcReading.uptimeSeconds, ProcReading.cgroupCPUSecondsPerSecond, ProcReading.cgroupMemoryBytes,
            ProcReading.cgroupIOReadBytesPerSecond, ProcReading.cgroupIOWriteBytesPerSecond,
            ProcReading.cgroupNetRxBytesPerSecond, ProcReading.cgroupNetTxBytesPerSecond,
        ]
        let labels = ["mount": "/", "device": "vda", "iface": "eth0", "cpu": "total", "container": "web"]
        let raw = Self.batch(keys.map { Self.reading($0, 1, labels) })
        let result = try Normalizer().normalize(raw, receivedMs: Self.now, nowMs: Self.now)
        #expect(result.unknownKeys.isEmpty)
        #expect(Set(result.batch.samples.map(\.name)) == MetricName.all)
    }
}
