/// Latencies of synthetic transactions per hop, measured from when the probe sent the batch, over the
/// last `capacity` probes of each hop (a ring per hop: memory stays fixed however long it runs).
public struct ProbeLatencies: Sendable {
    public let capacity: Int
    private var rings: [ProbeHop: Ring] = [:]

    public init(capacity: Int = 1024) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    public mutating func record(_ hop: ProbeHop, milliseconds: Int64) {
        rings[hop, default: Ring(capacity: capacity)].append(max(0, milliseconds))
    }

    /// Percentiles per hop that has data, in path order.
    public func summaries() -> [HopLatency] {
        ProbeHop.allCases.compactMap { hop in
            rings[hop].flatMap { LatencySummary($0.values) }.map { HopLatency(hop: hop, latency: $0) }
        }
    }

    private struct Ring: Sendable {
        let capacity: Int
        var values: [Int64] = []
        var next = 0

        init(capacity: Int) { self.capacity = capacity }

        mutating func append(_ value: Int64) {
            if values.count < capacity {
                values.append(value)
            } else {
                values[next] = value
            }
            next = (next + 1) % capacity
        }
    }
}

/// One hop's latency percentiles, as the probe's report and the gateway's pipeline view give them.
public struct HopLatency: Sendable, Equatable, Encodable {
    public var hop: ProbeHop
    public var latency: LatencySummary

    public init(hop: ProbeHop, latency: LatencySummary) {
        self.hop = hop
        self.latency = latency
    }
}

/// Nearest-rank percentiles of a set of latencies in milliseconds.
public struct LatencySummary: Sendable, Equatable, Codable {
    public var count: Int
    public var p50: Int64
    public var p90: Int64
    public var p99: Int64
    public var max: Int64

    public init(count: Int, p50: Int64, p90: Int64, p99: Int64, max: Int64) {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
    }

    /// Nil for an empty set.
    public init?(_ values: [Int64]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ q: Double) -> Int64 {
            sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
        }
        count = sorted.count
        p50 = rank(0.5)
        p90 = rank(0.9)
        p99 = rank(0.99)
        max = sorted[sorted.count - 1]
    }
}
