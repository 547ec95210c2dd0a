import FleetProto
import FleetStore
import GRPCCore
import Logging

/// fleetwatch.v1.Credentials: lists and revokes per-machine credentials and reads their audit trail. Every method
/// is admitted by `AdminTokenInterceptor` only with the admin token. Only fingerprints leave the service.
public struct CredentialsService: Fleetwatch_V1_Credentials.SimpleServiceProtocol {
    /// Events returned when the request names no limit, and the most it may name.
    public static let defaultEventLimit = 100
    public static let maxEventLimit = 1000

    let store: any CredentialStore
    let logger: Logger
    let now: @Sendable () -> Int64

    public init(store: any CredentialStore, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.logger = logger
        self.now = now
    }

    public func list(
        request: Fleetwatch_V1_ListCredentialsRequest, context: ServerContext
    ) async throws
        -> Fleetwatch_V1_ListCredentialsResponse
    {
        var response = Fleetwatch_V1_ListCredentialsResponse()
        response.credentials = try await storeCall { try await store.credentials() }.map(Self.message)
        return response
    }

    public func revoke(
        request: Fleetwatch_V1_RevokeCredentialRequest, context: ServerContext
    ) async throws
        -> Fleetwatch_V1_MachineCredential
    {
        guard !request.machineID.isEmpty else { throw RPCError(code: .invalidArgument, message: "machine_id: is required") }
        let by = request.revokedBy.isEmpty ? "admin" : String(request.revokedBy.prefix(128))
        let revoked = try await storeCall {
            try await store.revokeCredential(machineID: request.machineID, atMs: now(), by: by)
        }
        logger.info(
            "machine credential revoked",
            metadata: ["machine": "\(revoked.machineID)", "fingerprint": "\(revoked.fingerprint)", "by": "\(by)"])
        return Self.message(revoked)
    }

    public func events(
        request: Fleetwatch_V1_ListCredentialEventsRequest, context: ServerContext
    ) async throws
        -> Fleetwatch_V1_ListCredentialEventsResponse
    {
        guard request.limit >= 0, request.limit <= Self.maxEventLimit else {
            throw RPCError(
                code: .invalidArgument, message: "limit: must be 0 to \(Self.maxEventLimit) (0: \(Self.defaultEventLimit))")
        }
        let limit = request.limit == 0 ? Self.defaultEventLimit : Int(request.limit)
        var response = Fleetwatch_V1_ListCredentialEventsResponse()
        response.events = try await storeCall { try await store.credentialEvents(limit: limit) }.map { event in
            var message = Fleetwatch_V1_CredentialEvent()
            message.atMs = event.atMs
            message.lastAtMs = event.lastAtMs
            message.machineID = event.machineID
            message.kind = event.kind.rawValue
            message.detail = event.detail
            message.count = UInt64(max(0, event.count))
            return message
        }
        return response
    }

    static func message(_ credential: MachineCredential) -> Fleetwatch_V1_MachineCredential {
        var message = Fleetwatch_V1_MachineCredential()
        message.machineID = credential.machineID
        message.fingerprint = credential.fingerprint
        message.createdAtMs = credential.createdAtMs
        message.lastUsedAtMs = credential.lastUsedAtMs ?? 0
        message.revokedAtMs = credential.revokedAtMs ?? 0
        return message
    }

    private func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            if case .notFound(let why) = error { throw RPCError(code: .notFound, message: why) }
            throw RPCError(code: .unavailable, message: "the credential store is not answering: \(error)")
        }
    }
}
