import FleetCore
import FleetProto

/// Structured random `RawBatch`es for the fuzz harness: mostly well-formed proc batches (so normalization really
/// runs) with hostile values mixed in at every field — NaN, ±Inf, ±1e308, subnormals, -0, extreme counters,
/// empty and huge keys, unicode of every awkward kind, labels and identity fields at and over `BatchLimits`,
/// odd timestamps and sequences, wrong sources and process snapshots with odd values.
struct HostileBatchGenerator {
    var random: FuzzRandom
    let limits: BatchLimits
    let nowMs: Int64

    static let knownKeys = [
        ProcReading.cpuBusyRatio, ProcReading.cpuIowaitRatio, ProcReading.loadavg1, ProcReading.loadavg5,
        ProcReading.loadavg15, ProcReading.memTotalKiB, ProcReading.memAvailableKiB, ProcReading.swapTotalKiB,
        ProcReading.swapFreeKiB, ProcReading.fsSizeBytes, ProcReading.fsUsedBytes, ProcReading.fsAvailBytes,
        ProcReading.diskSectorsReadPerSecond, ProcReading.diskSectorsWrittenPerSecond,
        ProcReading.netRxBytesPerSecond, ProcReading.netTxBytesPerSecond, ProcReading.processCount,
        ProcReading.uptimeSeconds,
    ]

    /// Values that break arithmetic, JSON or SQL: every one of them appears often.
    static let hostileValues: [Double] = [
        .nan, -.nan, .signalingNaN, .infinity, -.infinity, 1e308, -1e308, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
        -0.0, 0, 1e300, -1e300, 1e300.nextUp, 1e300 / 1024, 1e300 / 1024 * 1.001, 1e298, 1e300 / 100,
        1e300 / 512 * 1.01, 9_007_199_254_740_992.0.nextUp, Double(Int64.max), Double(UInt64.max), -1, .leastNormalMagnitude / 3,
    ]

    /// Strings that are awkward as text: combining marks, right-to-left overrides, NUL, replacement characters
    /// (what invalid UTF-8 and lone surrogates decode to in Swift), emoji sequences, markup.
    static let awkwardStrings: [String] = [
        "", " ", "e\u{301}\u{301}\u{301}\u{301}", "\u{202E}gnp.exe", "مرحبا بالعالم", "a\0b", "\0",
        String(decoding: [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80], as: UTF8.self), "\u{FFFD}\u{FFFE}",
        "👩‍👩‍👧‍👦🏳️‍🌈", "<script>alert(1)</script>", "../../x", "a.b.c", "\u{200B}\u{FEFF}", "\r\n\t",
        "Z̷̧̛̮͇̖a̸̢͎l̵g̶o̴", "\u{10FFFF}",
    ]

    init(seed: UInt64, case index: Int, limits: BatchLimits = .standard, nowMs: Int64) {
        random = FuzzRandom(seed: seed, case: index)
        self.limits = limits
        self.nowMs = nowMs
    }

    mutating func batch() -> Fleetwatch_V1_RawBatch {
        var batch = Fleetwatch_V1_RawBatch()
        batch.machineID = machineID()
        batch.sequence = random.chance(0.1) ? random.pick([0, 1, UInt64.max, UInt64.max - 1]) : UInt64.random(in: 1...1_000_000, using: &random)
        batch.source = random.chance(0.95) ? ProcReading.source : random.pick(["", "snmp", "a.b", "PROC", String(repeating: "s", count: 32), String(repeating: "s", count: 33)] + Self.awkwardStrings)
        batch.timestampMs = timestamp()
        if random.chance(0.7) { batch.identity = identity(machineID: batch.machineID) }
        let count = random.chance(0.02) ? random.pick([limits.maxReadings, limits.maxReadings + 1]) : Int.random(in: 0...40, using: &random)
        batch.readings = (0..<count).map { _ in reading() }
        if random.chance(0.3) { batch.processes = processes() }
        if random.chance(0.1) { batch.receivedMs = timestamp() }
        if random.chance(0.1) { batch.refusedSeries = random.pick([1, UInt32.max]) }
        // Half the batches keep only their hostile values and texts within the limits: the edge accepts them, so
        // the normalizer and the consumers' checks really see NaN, 1e308 and unicode.
        if random.chance(0.5) { tame(&batch) }
        if random.chance(0.1) { batch.traceParent = random.pick(Self.awkwardStrings + ["00-" + String(repeating: "f", count: 32) + "-" + String(repeating: "0", count: 16) + "-01"]) }
        return batch
    }

    /// Brings every structural field of `batch` within the limits; values (and short texts) stay as they are.
    mutating func tame(_ batch: inout Fleetwatch_V1_RawBatch) {
        batch.machineID = "m\(Int.random(in: 0..<20, using: &random))"
        batch.sequence = max(1, batch.sequence)
        batch.source = ProcReading.source
        batch.timestampMs = nowMs - Int64.random(in: 0...60_000, using: &random)
        if batch.hasIdentity {
            var identity = Fleetwatch_V1_MachineIdentity()
            identity.machineID = batch.machineID
            identity.hostname = String(batch.identity.hostname.utf8.prefix(limits.maxHostnameLength)) ?? "h"
            identity.cpuCores = max(0, min(batch.identity.cpuCores, limits.maxCPUCores))
            batch.identity = identity
        }
        batch.readings = batch.readings.prefix(limits.maxReadings).map { reading in
            var reading = reading
            if reading.key.isEmpty || reading.key.utf8.count > limits.maxKeyLength { reading.key = random.pick(Self.knownKeys) }
            reading.labels = reading.labels.filter {
                !$0.key.isEmpty && $0.key.utf8.count <= limits.maxLabelNameLength && $0.value.utf8.count <= limits.maxLabelValueLength
            }
            while reading.labels.count > limits.maxLabelsPerReading { reading.labels.removeValue(forKey: reading.labels.keys.first!) }
            return reading
        }
        if batch.hasProcesses {
            batch.processes.timestampMs = 0
            batch.processes.byCpu = batch.processes.byCpu.prefix(limits.maxProcesses).filter { $0.cpuPercent.isFinite }
            batch.processes.byMemory = batch.processes.byMemory.prefix(limits.maxProcesses).filter { $0.cpuPercent.isFinite }
        }
    }

    mutating func value() -> Double {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: random.pick(Self.hostileValues)
        case 1: Double(bitPattern: random.next())
        default: Double.random(in: -1e6...1e12, using: &random)
        }
    }

    /// A string of exactly `bytes` UTF-8 bytes (multi-byte characters when it can), to sit at or past a limit.
    mutating func string(bytes: Int) -> String {
        let unit = random.pick(["a", "é", "€", "😀"])
        let whole = String(repeating: unit, count: bytes / unit.utf8.count)
        return whole + String(repeating: "x", count: bytes - whole.utf8.count)
    }

    /// A string near `limit` bytes (at, over, or far over) or an awkward one.
    mutating func text(limit: Int) -> String {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: string(bytes: limit)
        case 1: string(bytes: limit + 1)
        case 2: random.chance(0.1) ? string(bytes: 100_000) : string(bytes: Int.random(in: 0...limit, using: &random))
        default: random.pick(Self.awkwardStrings)
        }
    }

    mutating func machineID() -> String {
        if random.chance(0.93) { return "m\(Int.random(in: 0..<20, using: &random))" }
        return random.pick([
            "", String(repeating: "a", count: MachineID.maximumLength), String(repeating: "a", count: MachineID.maximumLength + 1),
            "../../x", "a.b", "é", "a b", "a\0",
        ])
    }

    mutating func timestamp() -> Int64 {
        if random.chance(0.9) { return nowMs - Int64.random(in: 0...60_000, using: &random) }
        return random.pick([
            0, 1, -1, Int64.min, Int64.max, nowMs + limits.maxFutureSkewMs, nowMs + limits.maxFutureSkewMs + 1,
            nowMs - limits.maxAgeMs, nowMs - limits.maxAgeMs - 1, 32_503_680_000_000,
        ])
    }

    mutating func labels(maxCount: Int) -> [String: String] {
        let count = random.chance(0.1) ? random.pick([maxCount, maxCount + 1]) : Int.random(in: 0...3, using: &random)
        var labels: [String: String] = [:]
        for index in 0..<count {
            let name = random.chance(0.7) ? random.pick(["cpu", "device", "iface", "mount", "fstype"]) + "\(index)" : text(limit: limits.maxLabelNameLength)
            labels[name] = random.chance(0.6) ? random.pick(["total", "0", "sda", "eth0", "/", "/home"]) : text(limit: limits.maxLabelValueLength)
        }
        if random.chance(0.5) { labels[random.pick(["cpu", "device", "iface", "mount"])] = random.pick(["total", "sda", "eth0", "/"] + Self.awkwardStrings) }
        return labels
    }

    mutating func reading() -> Fleetwatch_V1_Reading {
        var reading = Fleetwatch_V1_Reading()
        reading.key = random.chance(0.85) ? random.pick(Self.knownKeys) : text(limit: limits.maxKeyLength)
        reading.value = value()
        reading.labels = labels(maxCount: limits.maxLabelsPerReading)
        return reading
    }

    mutating func identity(machineID: String) -> Fleetwatch_V1_MachineIdentity {
        var identity = Fleetwatch_V1_MachineIdentity()
        identity.machineID = random.chance(0.9) ? machineID : self.machineID()
        if random.chance(0.5) { identity.hostname = text(limit: limits.maxHostnameLength) }
        if random.chance(0.5) { identity.os = text(limit: limits.maxOSLength) }
        if random.chance(0.5) { identity.kernel = text(limit: limits.maxKernelLength) }
        if random.chance(0.5) { identity.agentVersion = text(limit: limits.maxAgentVersionLength) }
        identity.cpuCores = random.chance(0.7) ? Int32.random(in: 0...64, using: &random) : random.pick([-1, limits.maxCPUCores, limits.maxCPUCores + 1, Int32.min, Int32.max])
        if random.chance(0.3) { identity.labels = labels(maxCount: limits.maxIdentityLabels) }
        return identity
    }

    mutating func processes() -> Fleetwatch_V1_ProcessSnapshot {
        var snapshot = Fleetwatch_V1_ProcessSnapshot()
        if random.chance(0.8) { snapshot.timestampMs = timestamp() }
        func list(_ generator: inout HostileBatchGenerator) -> [Fleetwatch_V1_ProcessInfo] {
            let limit = generator.limits.maxProcesses
            let count = generator.random.chance(0.1) ? generator.random.pick([limit, limit + 1]) : Int.random(in: 0...5, using: &generator.random)
            return (0..<count).map { _ in
                var process = Fleetwatch_V1_ProcessInfo()
                process.pid = generator.random.chance(0.8) ? Int32.random(in: 1...4_000_000, using: &generator.random) : generator.random.pick([0, -1, Int32.min, Int32.max])
                process.name = generator.text(limit: 64)
                process.user = generator.text(limit: 32)
                process.cpuPercent = generator.value()
                process.rssBytes = generator.random.chance(0.8) ? UInt64.random(in: 0...(1 << 40), using: &generator.random) : generator.random.pick([0, UInt64.max])
                return process
            }
        }
        snapshot.byCpu = list(&self)
        snapshot.byMemory = list(&self)
        return snapshot
    }
}
