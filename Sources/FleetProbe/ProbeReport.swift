import FleetCore
import Foundation

/// What a probe run measured: per hop, the latency from sending a synthetic batch to that hop being done
/// with it, and how many probes never reached each hop.
public struct ProbeReport: Sendable, Encodable {
    public struct Hop: Sendable, Encodable {
        public var hop: ProbeHop
        public var latency: LatencySummary

        enum CodingKeys: String, CodingKey { case hop, latency }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hop.rawValue, forKey: .hop)
            try container.encode(latency, forKey: .latency)
        }
    }

    public var sent: Int
    /// Probes every hop reported.
    public var completed: Int
    /// Probes that timed out before a hop reported them, per hop.
    public var lost: [ProbeHop: Int]
    public var hops: [Hop]

    public var lostTotal: Int { lost.values.reduce(0, +) }

    /// A table: one line per hop, cumulative from the moment of sending; the last line is end to end.
    public var table: String {
        var lines = [
            "hop          probes    p50 ms    p90 ms    p99 ms    max ms   lost",
        ]
        for hop in ProbeHop.allCases {
            let row = hops.first { $0.hop == hop }
            let lost = self.lost[hop] ?? 0
            guard let latency = row?.latency else {
                lines.append(hop.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0) + "  (none)" + String(repeating: " ", count: 40) + "\(lost)")
                continue
            }
            lines.append(
                hop.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + [latency.count, Int(latency.p50), Int(latency.p90), Int(latency.p99), Int(latency.max), lost]
                    .map { String($0).leftPadded(to: 10) }.joined())
        }
        lines.append("sent \(sent), complete \(completed), lost hops \(lostTotal)")
        return lines.joined(separator: "\n")
    }

    enum CodingKeys: String, CodingKey { case sent, completed, lost, hops }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sent, forKey: .sent)
        try container.encode(completed, forKey: .completed)
        try container.encode(Dictionary(uniqueKeysWithValues: lost.map { ($0.key.rawValue, $0.value) }), forKey: .lost)
        try container.encode(hops, forKey: .hops)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
