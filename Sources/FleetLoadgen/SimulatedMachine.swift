import FleetCore
import FleetProto

/// A machine that does not exist: produces "proc" batches with the series a real 4-core Linux host
/// sends (per-core CPU, memory, swap, two mounts, two disks, two interfaces, load, processes,
/// uptime), drifting as a random walk. Seeded, so a run is reproducible.
public struct SimulatedMachine: Sendable {
    public let machineID: String
    private let index: Int
    private var random: SplitMix64
    private var cpu: [Double]
    private var memAvailable: Double
    private var load: Double
    private var sequence: UInt64 = 0
    private let bootMs: Int64

    public static let cores = 4
    private static let memTotalKiB = 16_384_000.0
    /// An `env` label spread over the machines, so the overview's label filters and grouping have something to show.
    private static let environments = ["prod", "staging", "dev"]

    public init(index: Int, seed: UInt64, nowMs: Int64) {
        machineID = "sim-\(index)"
        self.index = index
        random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
        cpu = Array(repeating: 0.2, count: Self.cores)
        memAvailable = Self.memTotalKiB * 0.6
        load = 0.5
        bootMs = nowMs - 86_400_000
    }

    /// The next batch, stamped `nowMs`, with the next sequence number.
    public mutating func nextBatch(nowMs: Int64) -> Fleetwatch_V1_RawBatch {
        sequence += 1
        for core in cpu.indices { cpu[core] = walk(cpu[core], step: 0.05, in: 0.01...0.99) }
        memAvailable = walk(memAvailable, step: Self.memTotalKiB * 0.01, in: Self.memTotalKiB * 0.1...Self.memTotalKiB * 0.9)
        load = walk(load, step: 0.1, in: 0...8)

        var readings: [Fleetwatch_V1_Reading] = []
        readings.reserveCapacity(32)
        func add(_ key: String, _ value: Double, _ labels: [String: String] = [:]) {
            var reading = Fleetwatch_V1_Reading()
            reading.key = key
            reading.value = value
            reading.labels = labels
            readings.append(reading)
        }
        add(ProcReading.cpuBusyRatio, cpu.reduce(0, +) / Double(cpu.count), ["cpu": "total"])
        for (core, busy) in cpu.enumerated() { add(ProcReading.cpuBusyRatio, busy, ["cpu": String(core)]) }
        add(ProcReading.cpuIowaitRatio, random.unit() * 0.02)
        add(ProcReading.loadavg1, load)
        add(ProcReading.loadavg5, load * 0.9)
        add(ProcReading.loadavg15, load * 0.8)
        add(ProcReading.memTotalKiB, Self.memTotalKiB)
        add(ProcReading.memAvailableKiB, memAvailable.rounded())
        add(ProcReading.swapTotalKiB, 2_097_152)
        add(ProcReading.swapFreeKiB, 2_000_000)
        for (mount, used) in [("/", 0.42), ("/var", 0.7)] {
            add(ProcReading.fsUsedBytes, (used * 100e9).rounded(), ["mount": mount, "fstype": "ext4"])
            add(ProcReading.fsAvailBytes, ((1 - used) * 95e9).rounded(), ["mount": mount, "fstype": "ext4"])
        }
        for device in ["vda", "vdb"] {
            add(ProcReading.diskSectorsReadPerSecond, (random.unit() * 2000).rounded(), ["device": device])
            add(ProcReading.diskSectorsWrittenPerSecond, (random.unit() * 4000).rounded(), ["device": device])
        }
        for iface in ["eth0", "eth1"] {
            add(ProcReading.netRxBytesPerSecond, (random.unit() * 1e6).rounded(), ["iface": iface])
            add(ProcReading.netTxBytesPerSecond, (random.unit() * 5e5).rounded(), ["iface": iface])
        }
        add(ProcReading.processCount, 180 + (random.unit() * 20).rounded())
        add(ProcReading.uptimeSeconds, Double(nowMs - bootMs) / 1000)

        var batch = Fleetwatch_V1_RawBatch()
        batch.machineID = machineID
        batch.sequence = sequence
        batch.source = ProcReading.source
        batch.timestampMs = nowMs
        batch.identity.machineID = machineID
        batch.identity.hostname = machineID + ".sim"
        batch.identity.os = "Simulated Linux"
        batch.identity.kernel = "6.1.0-sim"
        batch.identity.cpuCores = Int32(Self.cores)
        batch.identity.labels = [
            "simulated": "true", SyntheticMachine.label: "loadgen", "env": Self.environments[index % Self.environments.count],
        ]
        batch.identity.agentVersion = "loadgen"
        batch.readings = readings
        return batch
    }

    private mutating func walk(_ value: Double, step: Double, in range: ClosedRange<Double>) -> Double {
        min(range.upperBound, max(range.lowerBound, value + (random.unit() * 2 - 1) * step))
    }
}
