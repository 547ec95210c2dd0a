import FleetBus
import FleetCore
import FleetProto
import Logging
import Metrics
import Synchronization

/// Applies the fleet.events a live view follows — alert transitions, machine retirements, probe echoes — to a
/// `LiveHub`, each checked first at this consumer's boundary (`FleetEvent+Validation.swift`): anyone with broker
/// access can publish on fleet.events, and an unchecked retirement stamped in the year 3000 would hide its machine
/// for good, an unchecked transition would show an alert with a 1 MB description or an Inf value.
///
/// A refused event (or one whose body does not decode) is skipped, counted in
/// `fleetwatch_fanout_refused_events_total{kind}` and logged once per kind, machine and field for the life of the
/// process (`FirstSightings`: bounded; past its capacity new ones are only counted, which is logged once).
public final class LiveEventGate: Sendable {
    /// What became of one delivery from fleet.events.
    public enum Outcome: Sendable, Equatable {
        /// A live-view event that passed its checks and was applied to the hub.
        case applied
        /// A live-view event that failed its checks (or did not decode): skipped.
        case refused
        /// Not an event the live view applies (a rule change, a heartbeat): passed over untouched.
        case ignored
    }

    /// The kinds of event the live view applies, by message type, with their `kind` in metrics and logs.
    static let kinds: [String: String] = [
        MessageType.alertTransition: "alert_transition",
        MessageType.machineRetired: "machine_retired",
        MessageType.probeEcho: "probe_echo",
    ]

    private let hub: LiveHub
    private let limits: BatchLimits
    private let logger: Logger
    private let counters: [String: Counter]
    private let logged = Mutex(FirstSightings())

    public init(hub: LiveHub, limits: BatchLimits = .standard, logger: Logger) {
        self.hub = hub
        self.limits = limits
        self.logger = logger
        self.counters = Self.kinds.mapValues {
            Counter(label: "fleetwatch_fanout_refused_events_total", dimensions: [("kind", $0)])
        }
    }

    /// Checks `delivery` at this consumer's time `nowMs` and, when it passes, applies it to the hub.
    @discardableResult
    public func apply(_ delivery: Delivery, nowMs: Int64) -> Outcome {
        guard let type = delivery.type, let kind = Self.kinds[type] else { return .ignored }
        var machine = ""
        do throws(ValidationError) {
            switch type {
            case MessageType.alertTransition:
                let transition = try Self.decoded(type) { try Fleetwatch_V1_AlertTransition(serializedBytes: delivery.body) }
                machine = transition.machineID
                try transition.validate(limits: limits, nowMs: nowMs)
                hub.apply(transition)
            case MessageType.machineRetired:
                let retired = try Self.decoded(type) { try Fleetwatch_V1_MachineRetired(serializedBytes: delivery.body) }
                machine = retired.machineID
                try retired.validate(limits: limits, nowMs: nowMs)
                hub.retire(retired.machineID, atMs: retired.retiredMs)
            default:
                let echo = try Self.decoded(type) { try Fleetwatch_V1_ProbeEcho(serializedBytes: delivery.body) }
                machine = echo.machineID
                try echo.validate(limits: limits, nowMs: nowMs)
                hub.apply(echo)
            }
            return .applied
        } catch {
            report(error, kind: kind, machine: machine)
            return .refused
        }
    }

    /// The event `decode` makes of a delivery's body, or the refusal of a body that is not a `type`.
    private static func decoded<Event>(_ type: String, _ decode: () throws -> Event) throws(ValidationError) -> Event {
        do {
            return try decode()
        } catch {
            throw ValidationError("body", "is not a valid \(type): \(error)")
        }
    }

    private func report(_ error: ValidationError, kind: String, machine: String) {
        counters[kind]?.increment()
        // Truncated: the id comes from the sender, and the key is kept for the life of the process.
        let machine = String(machine.prefix(128))
        switch logged.withLock({ $0.sight("\(kind)\u{0}\(machine)\u{0}\(error.fieldKind)") }) {
        case .first:
            logger.warning(
                "event refused at the live view's boundary and skipped (logged once per kind, machine and field)",
                metadata: ["kind": "\(kind)", "machine": "\(machine)", "error": "\(error)"])
        case .overflow:
            logger.warning("refused live events from too many machines and fields; further ones are only counted")
        case .again, .full:
            break
        }
    }
}
