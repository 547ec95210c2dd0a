import FleetProto

extension MachineStatus {
    /// The domain status of its gRPC form; nil for an unset status.
    public init?(_ status: Fleetwatch_V1_MachineStatus) {
        switch status {
        case .online: self = .online
        case .stale: self = .stale
        case .offline: self = .offline
        default: return nil
        }
    }
}

extension Fleetwatch_V1_MachineStatus {
    /// The gRPC form of a domain status.
    public init(_ status: MachineStatus) {
        switch status {
        case .online: self = .online
        case .stale: self = .stale
        case .offline: self = .offline
        }
    }
}
