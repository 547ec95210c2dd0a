import FleetStore
import GRPCCore
import Logging

/// The edge's check of per-machine credentials: admits a Publish stream by the shared collector token (unless
/// `requireCredentials`) or by a machine's own credential, and then each batch only for that machine's id.
/// Lookups are cached for `cacheTTL`, so a revocation reaches every edge within that time, open streams included
/// (each batch is checked). While the store is unreachable a credential seen before stays admitted; an unseen one
/// gets UNAVAILABLE (the collector retries). Refusals go to the store's audit trail, aggregated per minute.
public actor MachineCredentialGate {
    /// How long a lookup is trusted: the bound on how late a revocation takes effect.
    public static let cacheTTL: Duration = .seconds(5)
    /// Entries kept before the cache starts over (a flood of made-up credentials cannot grow it without bound).
    static let maxCachedEntries = 10_000

    private let store: any CredentialStore
    private let sharedTokens: TokenAuthenticator
    private let requireCredentials: Bool
    private let ttlMs: Int64
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private var cache: [String: (credential: MachineCredential?, fetchedAtMs: Int64)] = [:]

    /// - Parameters:
    ///   - sharedTokens: the collector tokens (FLEETWATCH_TOKEN); refused for publishing when `requireCredentials`.
    ///   - now: milliseconds since 1970 (injected for tests).
    public init(
        store: any CredentialStore, sharedTokens: TokenAuthenticator, requireCredentials: Bool,
        cacheTTL: Duration = MachineCredentialGate.cacheTTL, logger: Logger, now: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.sharedTokens = sharedTokens
        self.requireCredentials = requireCredentials
        self.ttlMs = cacheTTL.components.seconds * 1000 + cacheTTL.components.attoseconds / 1_000_000_000_000_000
        self.logger = logger
        self.now = now
    }

    /// Who the `authorization` header value names, or the RPCError to end the stream with.
    public func admit(authorization: String?) async throws -> PublisherIdentity {
        if sharedTokens.accepts(authorization: authorization) {
            guard requireCredentials else { return .sharedToken }
            await refuse(machineID: "", reason: "shared collector token while machine credentials are required")
            throw RPCError(
                code: .permissionDenied,
                message:
                    "this edge requires per-machine credentials (FLEETWATCH_REQUIRE_MACHINE_CREDENTIALS): the shared collector token may not publish; start the collector with --join-token to enroll"
            )
        }
        guard let authorization, authorization.hasPrefix("Bearer "),
            case let presented = String(authorization.dropFirst(7)), CredentialToken.looksLikeCredential(presented)
        else {
            throw RPCError(
                code: .unauthenticated,
                message: "missing or unknown collector token (metadata 'authorization: Bearer <token>')")
        }
        let hash = CredentialToken.hash(of: presented)
        guard let credential = try await lookup(hash) else {
            await refuse(machineID: "", reason: "unknown machine credential")
            throw RPCError(code: .unauthenticated, message: "unknown machine credential: enroll with a join token")
        }
        guard credential.isActive else {
            await refuse(machineID: credential.machineID, reason: "revoked credential")
            throw RPCError(
                code: .unauthenticated,
                message: "the credential of machine '\(credential.machineID)' was revoked; enroll again with a join token")
        }
        return .machine(id: credential.machineID, tokenHash: hash)
    }

    /// Throws unless a batch of `machineID` may be published by `identity`: the credential is still active and is
    /// that machine's.
    public func checkBatch(machineID: String, from identity: PublisherIdentity) async throws {
        guard case .machine(let owner, let hash) = identity else { return }
        guard let credential = try await lookup(hash), credential.isActive else {
            await refuse(machineID: owner, reason: "revoked credential")
            throw RPCError(
                code: .unauthenticated,
                message: "the credential of machine '\(owner)' was revoked; enroll again with a join token")
        }
        guard machineID == owner else {
            let shown = String(machineID.prefix(128))
            await refuse(machineID: owner, reason: "published as machine '\(shown)'")
            throw RPCError(
                code: .permissionDenied,
                message: "the credential of machine '\(owner)' cannot publish batches of machine '\(shown)'")
        }
    }

    private func lookup(_ hash: String) async throws -> MachineCredential? {
        let at = now()
        if let cached = cache[hash], at - cached.fetchedAtMs < ttlMs { return cached.credential }
        do {
            let credential = try await store.useCredential(tokenHash: hash, atMs: at)
            if cache.count >= Self.maxCachedEntries { cache.removeAll(keepingCapacity: true) }
            cache[hash] = (credential, at)
            return credential
        } catch {
            if let stale = cache[hash]?.credential, stale.isActive {
                logger.warning(
                    "credential store unreachable; admitting a credential seen before",
                    metadata: ["machine": "\(stale.machineID)", "error": "\(error)"])
                return stale
            }
            logger.warning("credential store unreachable", metadata: ["error": "\(error)"])
            throw RPCError(code: .unavailable, message: "cannot check the machine credential now, retry later: \(error)")
        }
    }

    /// The audit trail is best effort: a store failure is logged, the refusal stands.
    private func refuse(machineID: String, reason: String) async {
        logger.warning("collector refused", metadata: ["machine": "\(machineID)", "reason": "\(reason)"])
        do {
            try await store.recordCredentialRefusal(machineID: machineID, reason: reason, atMs: now())
        } catch {
            logger.warning("could not record a refused attempt", metadata: ["error": "\(error)"])
        }
    }
}
