import FleetCore
import Metrics
import Synchronization

/// Follows each synthetic transaction from the moment it was sent until every hop has reported it or it
/// timed out. Latencies go to `ProbeLatencies` (for the report) and to Prometheus histograms
/// (`fleetwatch_probe_hop_seconds{hop}`); a hop that never reported counts in
/// `fleetwatch_probe_lost_total{hop}`.
final class ProbeTracker: Sendable {
    private struct InFlight {
        var sentMs: Int64
        var seen: Set<ProbeHop> = []
    }

    private struct State {
        var inFlight: [UInt64: InFlight] = [:]
        var latencies: ProbeLatencies
        var sent = 0
        var completed = 0
        var lastCompletedMs: Int64 = .min
        var lost: [ProbeHop: Int] = [:]
    }

    private let state: Mutex<State>
    private let hops: [ProbeHop]
    private let sentCounter = Counter(label: "fleetwatch_probe_sent_total")

    /// - Parameter hops: the hops a probe must pass to be complete (the evaluator's is optional: a deployment
    ///   may run without alerts).
    init(hops: [ProbeHop] = ProbeHop.allCases, capacity: Int = 4096) {
        self.hops = hops
        state = Mutex(State(latencies: ProbeLatencies(capacity: capacity)))
        // Every hop's loss counter exists from the start, at 0, so a rate over it is defined before the first loss.
        for hop in hops { Counter(label: "fleetwatch_probe_lost_total", dimensions: [("hop", hop.rawValue)]).increment(by: 0) }
    }

    func sent(sequence: UInt64, atMs: Int64) {
        sentCounter.increment()
        state.withLock {
            $0.inFlight[sequence] = InFlight(sentMs: atMs)
            $0.sent += 1
        }
    }

    /// `hop` reported probe `sequence` at `atMs`; duplicates (a redelivery) count once.
    func observed(_ hop: ProbeHop, sequence: UInt64, atMs: Int64) {
        let latency: Int64? = state.withLock { state in
            guard var probe = state.inFlight[sequence], !probe.seen.contains(hop) else { return nil }
            probe.seen.insert(hop)
            let latency = Probe.latency(sentMs: probe.sentMs, observedMs: atMs) ?? 0
            state.latencies.record(hop, milliseconds: latency)
            if hops.allSatisfy(probe.seen.contains) {
                state.inFlight[sequence] = nil
                state.completed += 1
                state.lastCompletedMs = max(state.lastCompletedMs, atMs)
            } else {
                state.inFlight[sequence] = probe
            }
            return latency
        }
        if let latency {
            Timer(label: "fleetwatch_probe_hop_seconds", dimensions: [("hop", hop.rawValue)], preferredDisplayUnit: .seconds)
                .recordMilliseconds(latency)
        }
    }

    /// A WebSocket delivered the probe sample stamped `sentMs`.
    func delivered(sentMs: Int64, atMs: Int64) {
        // Samples carry their timestamp, not the sequence; the probe sends distinct timestamps, and at most
        // timeout ÷ interval probes are in flight.
        guard let sequence = state.withLock({ $0.inFlight.first { $0.value.sentMs == sentMs }?.key }) else { return }
        observed(.websocket, sequence: sequence, atMs: atMs)
    }

    /// Gives up on probes sent before `cutoffMs`: every hop they did not reach counts as lost.
    func expire(sentBefore cutoffMs: Int64) {
        let lost: [ProbeHop] = state.withLock { state in
            var lost: [ProbeHop] = []
            for (sequence, probe) in state.inFlight where probe.sentMs < cutoffMs {
                let missing = hops.filter { !probe.seen.contains($0) }
                for hop in missing { state.lost[hop, default: 0] += 1 }
                lost += missing
                state.inFlight[sequence] = nil
            }
            return lost
        }
        for hop in lost { Counter(label: "fleetwatch_probe_lost_total", dimensions: [("hop", hop.rawValue)]).increment() }
    }

    var pending: Int { state.withLock { $0.inFlight.count } }

    /// True when a probe passed every hop at or after `ms`.
    func completed(since ms: Int64) -> Bool { state.withLock { $0.lastCompletedMs >= ms } }

    func report() -> ProbeReport {
        state.withLock { state in
            ProbeReport(
                sent: state.sent, completed: state.completed, lost: state.lost,
                hops: state.latencies.summaries())
        }
    }
}
