import FleetProto

/// A machine credential as the REST API and `fleetwatch credentials list --output json` write it: never the
/// credential, only its fingerprint; times in milliseconds since 1970, null when it never happened.
public struct CredentialJSON: Encodable, Sendable {
    public var credential: Fleetwatch_V1_MachineCredential

    public init(_ credential: Fleetwatch_V1_MachineCredential) { self.credential = credential }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(credential.machineID, forKey: .machineID)
        try container.encode(credential.fingerprint, forKey: .fingerprint)
        try container.encode(credential.createdAtMs, forKey: .createdAtMs)
        try container.encode(credential.lastUsedAtMs == 0 ? nil : credential.lastUsedAtMs, forKey: .lastUsedAtMs)
        try container.encode(credential.revokedAtMs == 0 ? nil : credential.revokedAtMs, forKey: .revokedAtMs)
        try container.encode(credential.revokedAtMs == 0 ? "active" : "revoked", forKey: .state)
    }

    enum CodingKeys: String, CodingKey {
        case machineID = "machine_id"
        case fingerprint
        case createdAtMs = "created_at_ms"
        case lastUsedAtMs = "last_used_at_ms"
        case revokedAtMs = "revoked_at_ms"
        case state
    }
}

/// `{"credentials": [...]}`.
public struct CredentialListJSON: Encodable, Sendable {
    public var credentials: [CredentialJSON]

    public init(_ credentials: [Fleetwatch_V1_MachineCredential]) { self.credentials = credentials.map(CredentialJSON.init) }
}

/// One entry of the credential audit trail: `kind` is enrolled, revoked or refused; refusals of one machine,
/// reason and minute are one entry with a `count`.
public struct CredentialEventJSON: Encodable, Sendable {
    public var event: Fleetwatch_V1_CredentialEvent

    public init(_ event: Fleetwatch_V1_CredentialEvent) { self.event = event }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event.atMs, forKey: .atMs)
        try container.encode(event.lastAtMs, forKey: .lastAtMs)
        try container.encode(event.machineID, forKey: .machineID)
        try container.encode(event.kind, forKey: .kind)
        try container.encode(event.detail, forKey: .detail)
        try container.encode(event.count, forKey: .count)
    }

    enum CodingKeys: String, CodingKey {
        case atMs = "at_ms"
        case lastAtMs = "last_at_ms"
        case machineID = "machine_id"
        case kind, detail, count
    }
}

/// `{"events": [...]}`, newest first.
public struct CredentialEventListJSON: Encodable, Sendable {
    public var events: [CredentialEventJSON]

    public init(_ events: [Fleetwatch_V1_CredentialEvent]) { self.events = events.map(CredentialEventJSON.init) }
}
