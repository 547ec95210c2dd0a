import FleetProto

/// How many alerts of a machine are open, and the worst severity among the firing ones.
public struct MachineAlerts: Sendable, Equatable {
    public var firing = 0
    public var pending = 0
    public var worst: Fleetwatch_V1_Severity?

    public init() {}

    init(_ open: [Fleetwatch_V1_AlertTransition]) {
        for alert in open {
            if alert.to == .firing {
                firing += 1
                if alert.severity.rawValue > (worst?.rawValue ?? 0) { worst = alert.severity }
            } else if alert.to == .pending {
                pending += 1
            }
        }
    }
}
