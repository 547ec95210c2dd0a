import FleetCore
import Testing

@testable import FleetProbe

/// Following synthetic transactions hop by hop: when a probe is complete, what a redelivery or a late hop
/// counts, and what is lost when a probe times out.
@Suite struct ProbeTrackerTests {
    let hops: [ProbeHop] = [.edgeAck, .normalized, .websocket]

    @Test func aProbeIsCompleteOnceEveryHopReportedIt() {
        let tracker = ProbeTracker(hops: hops)
        tracker.sent(sequence: 1, atMs: 1_000)
        tracker.observed(.edgeAck, sequence: 1, atMs: 1_010)
        tracker.observed(.normalized, sequence: 1, atMs: 1_030)
        #expect(tracker.pending == 1 && !tracker.completed(since: 0))
        tracker.observed(.websocket, sequence: 1, atMs: 1_050)
        #expect(tracker.pending == 0)
        #expect(tracker.completed(since: 1_050) && !tracker.completed(since: 1_051))
        let report = tracker.report()
        #expect(report.sent == 1 && report.completed == 1 && report.lostTotal == 0)
        #expect(report.hops.map(\.hop) == hops)
        #expect(report.hops.map(\.latency.max) == [10, 30, 50], "latencies count from the moment of sending")
    }

    @Test func aRedeliveredEchoCountsOnceAndUnknownProbesAreIgnored() {
        let tracker = ProbeTracker(hops: hops)
        tracker.sent(sequence: 1, atMs: 1_000)
        tracker.observed(.normalized, sequence: 1, atMs: 1_020)
        tracker.observed(.normalized, sequence: 1, atMs: 1_900)
        tracker.observed(.normalized, sequence: 99, atMs: 1_030)  // not ours, or already given up on
        let normalized = tracker.report().hops.first { $0.hop == .normalized }?.latency
        #expect(normalized == LatencySummary(count: 1, p50: 20, p90: 20, p99: 20, max: 20))
    }

    @Test func hopsOutsideTheRequiredOnesAreMeasuredButNotAwaited() {
        let tracker = ProbeTracker(hops: [.edgeAck])
        tracker.sent(sequence: 5, atMs: 1_000)
        tracker.observed(.persisted, sequence: 5, atMs: 1_200)
        #expect(tracker.pending == 1)
        tracker.observed(.edgeAck, sequence: 5, atMs: 1_005)
        #expect(tracker.pending == 0 && tracker.report().completed == 1)
    }

    @Test func aDeliveredSampleIsMatchedToItsProbeByTheTimeItWasSent() {
        let tracker = ProbeTracker(hops: [.websocket])
        tracker.sent(sequence: 1, atMs: 1_000)
        tracker.sent(sequence: 2, atMs: 2_000)
        tracker.delivered(sentMs: 2_000, atMs: 2_070)
        tracker.delivered(sentMs: 1_500, atMs: 2_080)  // no probe was sent then
        #expect(tracker.pending == 1)
        #expect(tracker.report().hops == [HopLatency(hop: .websocket, latency: LatencySummary([70])!)])
    }

    @Test func aTimedOutProbeIsLostAtEveryHopItDidNotReach() {
        let tracker = ProbeTracker(hops: hops)
        tracker.sent(sequence: 1, atMs: 1_000)
        tracker.sent(sequence: 2, atMs: 2_000)
        tracker.observed(.edgeAck, sequence: 1, atMs: 1_010)
        tracker.expire(sentBefore: 2_000)
        #expect(tracker.pending == 1, "only probes sent before the cutoff expire")
        #expect(tracker.report().lost == [.normalized: 1, .websocket: 1])
        tracker.observed(.normalized, sequence: 1, atMs: 5_000)  // too late: no longer followed
        tracker.expire(sentBefore: .max)
        let report = tracker.report()
        #expect(report.lost == [.edgeAck: 1, .normalized: 2, .websocket: 2])
        #expect(report.lostTotal == 5 && report.completed == 0 && report.sent == 2 && tracker.pending == 0)
    }
}
