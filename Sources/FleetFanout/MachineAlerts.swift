import FleetCore
import FleetProto

/// How many alerts of a machine are open, and the worst severity among the firing ones. An open alert that an
/// active silence matches counts as silenced only: it needs no attention, as on the Alerts page.
public struct MachineAlerts: Sendable, Equatable {
    public var firing = 0
    public var pending = 0
    /// Open (firing or pending) alerts an active silence matches.
    public var silenced = 0
    /// The worst severity among the firing alerts no silence matches.
    public var worst: Fleetwatch_V1_Severity?

    public init() {}

    init(_ open: [Fleetwatch_V1_AlertTransition], silences: [Silence] = [], atMs now: Int64 = 0) {
        for alert in open where alert.to == .firing || alert.to == .pending {
            if !silences.isEmpty, !silences.silencing(AlertLabels.of(alert), atMs: now).isEmpty {
                silenced += 1
            } else if alert.to == .firing {
                firing += 1
                if alert.severity.rawValue > (worst?.rawValue ?? 0) { worst = alert.severity }
            } else {
                pending += 1
            }
        }
    }
}
