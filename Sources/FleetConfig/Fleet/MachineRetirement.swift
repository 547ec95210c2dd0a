import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import GRPCCore
import Logging

/// Retiring a machine (`fleetwatch machines retire`, `DELETE /api/v1/machines/{id}`): the store marks it retired
/// (its history stays), its open alerts end ("machine retired"), and fleet.events carries `MachineRetired` so
/// every live view and evaluator forgets it at once. A batch the edge receives afterwards brings it back.
public struct MachineRetirement: Sendable {
    let store: any MetricStore
    let ender: AlertEnder
    let bus: any MessageBus
    let logger: Logger
    let now: @Sendable () -> Int64

    public init(
        store: any MetricStore, ender: AlertEnder, bus: any MessageBus, logger: Logger,
        now: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.ender = ender
        self.bus = bus
        self.logger = logger
        self.now = now
    }

    /// Retires `machine`; throws NOT_FOUND for a machine never seen, UNAVAILABLE when the store or bus is away.
    public func retire(_ machine: String) async throws -> Fleetwatch_V1_RetireMachineResponse {
        guard !machine.isEmpty else { throw RPCError(code: .invalidArgument, message: "machine_id is required") }
        let atMs = now()
        let found: Bool
        do {
            found = try await store.retire(machine: machine, at: Date(timeIntervalSince1970: Double(atMs) / 1000))
        } catch {
            throw RPCError(code: .unavailable, message: "the store is not answering: \(error)")
        }
        guard found else { throw RPCError(code: .notFound, message: "no machine '\(machine)'") }
        let ended: Int
        do {
            ended = try await ender.end(machine: machine, reason: .machineRetired)
            try await bus.publish([
                try FleetEvents.machineRetired(
                    .with {
                        $0.machineID = machine
                        $0.retiredMs = atMs
                    })
            ])
        } catch {
            throw RPCError(
                code: .unavailable,
                message: "machine '\(machine)' is retired in the store, but telling the fleet failed (\(error)); retire it again")
        }
        logger.notice("machine retired", metadata: ["machine": "\(machine)", "alerts_ended": "\(ended)"])
        return .with {
            $0.retiredMs = atMs
            $0.alertsResolved = Int32(clamping: ended)
        }
    }
}
