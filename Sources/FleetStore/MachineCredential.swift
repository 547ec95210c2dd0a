/// A machine's own credential as the store keeps it: the SHA-256 of the token (hex), never the token.
public struct MachineCredential: Sendable, Equatable {
    public var machineID: String
    /// Lowercase hex SHA-256 of the credential string.
    public var tokenHash: String
    public var createdAtMs: Int64
    public var lastUsedAtMs: Int64?
    public var revokedAtMs: Int64?

    public init(
        machineID: String, tokenHash: String, createdAtMs: Int64, lastUsedAtMs: Int64? = nil, revokedAtMs: Int64? = nil
    ) {
        self.machineID = machineID
        self.tokenHash = tokenHash
        self.createdAtMs = createdAtMs
        self.lastUsedAtMs = lastUsedAtMs
        self.revokedAtMs = revokedAtMs
    }

    /// Whether it still admits its machine.
    public var isActive: Bool { revokedAtMs == nil }

    /// The first 12 hex digits of the hash: enough to tell credentials apart in a listing.
    public var fingerprint: String { String(tokenHash.prefix(12)) }
}

/// One entry of the credential audit trail.
public struct CredentialEvent: Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable, CaseIterable {
        case enrolled, revoked, refused
    }

    /// The first occurrence.
    public var atMs: Int64
    /// The last occurrence (refusals of one machine, reason and minute are one event).
    public var lastAtMs: Int64
    /// Empty when the refused caller named no machine.
    public var machineID: String
    public var kind: Kind
    public var detail: String
    public var count: Int64

    public init(atMs: Int64, lastAtMs: Int64, machineID: String, kind: Kind, detail: String, count: Int64) {
        self.atMs = atMs
        self.lastAtMs = lastAtMs
        self.machineID = machineID
        self.kind = kind
        self.detail = detail
        self.count = count
    }

    /// Refusals are aggregated per minute.
    public static func refusalBucket(atMs: Int64) -> Int64 { atMs - ((atMs % 60_000) + 60_000) % 60_000 }
}
