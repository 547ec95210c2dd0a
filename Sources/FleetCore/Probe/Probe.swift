import FleetProto

/// Synthetic transactions (`fleetwatch probe`): batches from a machine whose identity carries the label
/// `fleetwatch.probe` are ordinary data on the whole path, and every hop that finishes its work on one
/// also publishes a `ProbeEcho` to fleet.events, so the time each hop took can be measured end to end.
public enum Probe {
    /// The identity label that marks a probe machine; its value names the probe instance.
    public static let label = "fleetwatch.probe"

    public static func isProbe(_ machine: Fleetwatch_V1_MachineIdentity) -> Bool {
        machine.labels[label] != nil
    }

    /// Milliseconds from `sentMs` to `observedMs`, or nil for times that make no sense (not after 1970, or
    /// so far apart they overflow): echoes come off the bus, where anyone could have published them.
    public static func latency(sentMs: Int64, observedMs: Int64) -> Int64? {
        guard sentMs > 0, observedMs > 0 else { return nil }
        let (difference, overflow) = observedMs.subtractingReportingOverflow(sentMs)
        return overflow ? nil : max(0, difference)
    }

    /// The echo a hop publishes once it has done its work on `batch` at `observedMs`.
    public static func echo(of batch: Fleetwatch_V1_MetricBatch, hop: ProbeHop, at observedMs: Int64) -> Fleetwatch_V1_ProbeEcho {
        var echo = Fleetwatch_V1_ProbeEcho()
        echo.machineID = batch.machine.machineID
        echo.sequence = batch.sequence
        echo.sentMs = batch.timestampMs
        echo.hop = hop.rawValue
        echo.observedMs = observedMs
        return echo
    }
}

/// The stations of a synthetic transaction, in path order.
public enum ProbeHop: String, CaseIterable, Sendable, Comparable, Codable, CodingKeyRepresentable {
    /// The edge confirmed the batch (broker publish confirmed): seen by the probe itself.
    case edgeAck = "edge_ack"
    /// The normalizer published the canonical batch to fleet.metrics.
    case normalized
    /// The persister committed it to the store.
    case persisted
    /// An alert evaluator took it off its partition (probe machines run no rules: they never alert).
    case evaluated
    /// It reached a WebSocket client of a gateway (the probe's own); a gateway's panel counts its arrival there.
    case websocket

    public static func < (lhs: ProbeHop, rhs: ProbeHop) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

extension RoutingKey {
    /// probe.<hop>.<machine> on fleet.events.
    public static func probe(hop: ProbeHop, machine: String) -> String { "probe.\(hop.rawValue).\(machine)" }
}
