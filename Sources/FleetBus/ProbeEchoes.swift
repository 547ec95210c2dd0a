import FleetCore
import FleetProto
import Logging

/// How a hop of the pipeline answers synthetic transactions (`Probe`): once it has done its work on a
/// batch from a probe machine, it publishes a `ProbeEcho` to fleet.events. Best effort by design: an echo
/// that cannot be published shows up as a slow or lost hop in `fleetwatch probe`, never as lost data, so
/// a failure is logged and the hop's real work goes on.
public struct ProbeEchoes: Sendable {
    private let bus: any MessageBus
    private let hop: ProbeHop
    private let logger: Logger

    public init(bus: any MessageBus, hop: ProbeHop, logger: Logger) {
        self.bus = bus
        self.hop = hop
        self.logger = logger
    }

    /// Echoes the probe batches among `batches` (usually none: a label lookup per batch).
    public func publish(for batches: some Sequence<Fleetwatch_V1_MetricBatch>, at observedMs: Int64) async {
        let messages: [OutgoingMessage] = batches.filter { Probe.isProbe($0.machine) }.compactMap { batch in
            try? OutgoingMessage.probeEcho(of: batch, hop: hop, at: observedMs)
        }
        guard !messages.isEmpty else { return }
        do {
            try await bus.publish(messages)
        } catch {
            logger.warning("probe echo not published", metadata: ["hop": "\(hop.rawValue)", "error": "\(error)"])
        }
    }
}

extension OutgoingMessage {
    /// `hop`'s echo of the probe batch `batch`, on fleet.events; transient, it only matters while someone measures.
    public static func probeEcho(of batch: Fleetwatch_V1_MetricBatch, hop: ProbeHop, at observedMs: Int64) throws -> OutgoingMessage {
        OutgoingMessage(
            exchange: FleetExchange.events, routingKey: RoutingKey.probe(hop: hop, machine: batch.machine.machineID),
            body: try Probe.echo(of: batch, hop: hop, at: observedMs).serializedBytes(), type: MessageType.probeEcho,
            persistent: false)
    }
}
