import FleetProto

/// A machine in the JSON shape of the REST API's machine object (docs/api.md, `GET /api/v1/machines`), from its
/// gRPC form: `status` as `stale`, summary values null until known. What gRPC does not carry (the alert counts)
/// is left out rather than guessed.
public struct MachineJSON: Encodable, Sendable {
    public var machine: Fleetwatch_V1_Machine

    public init(_ machine: Fleetwatch_V1_Machine) { self.machine = machine }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let identity = machine.identity
        try container.encode(identity.machineID, forKey: .machineID)
        try container.encode(identity.hostname, forKey: .hostname)
        try container.encode(identity.os, forKey: .os)
        try container.encode(identity.kernel, forKey: .kernel)
        try container.encode(Int(identity.cpuCores), forKey: .cores)
        try container.encode(identity.agentVersion, forKey: .agentVersion)
        try container.encode(identity.labels, forKey: .labels)
        try container.encode(MachineStatus(machine.status)?.rawValue, forKey: .status)
        try container.encode(machine.lastSeenMs, forKey: .lastSeenMs)
        try container.encode(MachineSummary(machine.summary), forKey: .summary)
    }

    enum CodingKeys: String, CodingKey {
        case machineID = "machine_id"
        case hostname, os, kernel, cores
        case agentVersion = "agent_version"
        case labels, status
        case lastSeenMs = "last_seen_ms"
        case summary
    }
}
