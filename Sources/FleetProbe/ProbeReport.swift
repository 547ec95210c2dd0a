import FleetCore
import Foundation

/// What a probe run measured: per hop, the latency from sending a synthetic batch to that hop being done
/// with it, and how many probes never reached each hop.
public struct ProbeReport: Sendable, Encodable {
    public var sent: Int
    /// Probes every hop reported.
    public var completed: Int
    /// Probes that timed out before a hop reported them, per hop.
    public var lost: [ProbeHop: Int]
    public var hops: [HopLatency]

    public var lostTotal: Int { lost.values.reduce(0, +) }

    /// A table: one line per hop, latencies from the moment of sending, then the totals.
    public var table: String {
        func row(_ first: String, _ cells: [String]) -> String {
            first.padding(toLength: 12, withPad: " ", startingAt: 0) + cells.map { $0.leftPadded(to: 10) }.joined()
        }
        var lines = [row("hop", ["probes", "p50 ms", "p90 ms", "p99 ms", "max ms", "lost"])]
        for hop in ProbeHop.allCases {
            let lost = String(self.lost[hop] ?? 0)
            if let latency = hops.first(where: { $0.hop == hop })?.latency {
                lines.append(
                    row(hop.rawValue, [String(latency.count)] + [latency.p50, latency.p90, latency.p99, latency.max].map { String($0) } + [lost]))
            } else {
                lines.append(row(hop.rawValue, ["0", "-", "-", "-", "-", lost]))
            }
        }
        lines.append("sent \(sent), complete \(completed), lost hops \(lostTotal)")
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
