import FleetCore
import Testing

@testable import FleetProbe

/// What `fleetwatch probe` prints at the end of a run.
@Suite struct ProbeReportTests {
    @Test func theTableHasARowPerHopInPathOrderThenTheTotals() throws {
        let report = ProbeReport(
            sent: 4, completed: 3, lost: [.websocket: 1],
            hops: [
                HopLatency(hop: .persisted, latency: try #require(LatencySummary([12, 14, 30]))),
                HopLatency(hop: .edgeAck, latency: try #require(LatencySummary([2, 3, 4, 5]))),
            ])
        let lines = report.table.split(separator: "\n").map(String.init)
        #expect(lines.count == ProbeHop.allCases.count + 2)
        #expect(lines[0] == "hop             probes    p50 ms    p90 ms    p99 ms    max ms      lost")
        #expect(lines[1] == "edge_ack             4         3         5         5         5         0")
        #expect(lines[2] == "normalized           0         -         -         -         -         0")
        #expect(lines[3] == "persisted            3        14        30        30        30         0")
        #expect(lines[5] == "websocket            0         -         -         -         -         1")
        #expect(lines.last == "sent 4, complete 3, lost hops 1")
    }

    @Test func lostTotalSumsTheHops() {
        #expect(ProbeReport(sent: 3, completed: 0, lost: [.edgeAck: 2, .evaluated: 3], hops: []).lostTotal == 5)
        #expect(ProbeReport(sent: 0, completed: 0, lost: [:], hops: []).lostTotal == 0)
    }
}
