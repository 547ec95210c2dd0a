import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Logging

/// Ends open alerts for a reason other than their values (`AlertEnd`): records the ending transitions in alert
/// history, then publishes them on fleet.events like the evaluators' own, so dashboards and notifications follow.
/// Recording is idempotent (transitions are keyed), so ending an alert twice changes nothing.
public struct AlertEnder: Sendable {
    let store: any AlertStore
    let bus: any MessageBus
    let logger: Logger
    let now: @Sendable () -> Int64

    public init(store: any AlertStore, bus: any MessageBus, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.bus = bus
        self.logger = logger
        self.now = now
    }

    /// Ends every open (pending or firing) alert of `rule` and/or `machine` (empty: any); returns how many.
    @discardableResult
    public func end(rule: String = "", machine: String = "", reason: AlertEnd) async throws -> Int {
        var ended = 0
        // Each round ends what it read, so the next round reads the rest; the bound only guards against a store
        // that would keep answering the same alerts.
        for _ in 0..<1000 {
            let open = try await store.alerts(
                .with {
                    $0.ruleID = rule
                    $0.machineID = machine
                    $0.statuses = [.pending, .firing]
                    $0.limit = 1000
                })
            try await end(open, reason: reason)
            ended += open.count
            if open.count < 1000 { break }
        }
        if ended > 0 {
            logger.notice(
                "alerts ended", metadata: ["reason": "\(reason.rawValue)", "rule": "\(rule)", "machine": "\(machine)", "alerts": "\(ended)"])
        }
        return ended
    }

    /// Ends the given alerts (those still open) for `reason`.
    public func end(_ alerts: [Fleetwatch_V1_Alert], reason: AlertEnd) async throws {
        let atMs = now()
        let transitions = alerts.compactMap { Fleetwatch_V1_AlertTransition.ending($0, reason: reason, atMs: atMs) }
        guard !transitions.isEmpty else { return }
        try await store.record(transitions)
        try await bus.publish(try transitions.map(FleetEvents.alert))
    }
}
