import FleetCore
import FleetProto
import FleetStore
import Foundation
import GRPCCore
import Logging

/// fleetwatch.v1.Silences: silences and maintenance windows in the store. Create and Expire are admitted by
/// `AdminTokenInterceptor` only with the admin token; a silence that `Silence.problems()` refuses comes back as
/// INVALID_ARGUMENT naming the field. Each Create also removes the silences that ended more than
/// `SilenceRetention.keepExpired` ago.
public struct SilencesService: Fleetwatch_V1_Silences.SimpleServiceProtocol {
    let store: any SilenceStore
    let logger: Logger
    let now: @Sendable () -> Int64

    public init(store: any SilenceStore, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.logger = logger
        self.now = now
    }

    public func create(request: Fleetwatch_V1_CreateSilenceRequest, context: ServerContext) async throws
        -> Fleetwatch_V1_Silence
    {
        let at = now()
        var silence: Silence
        do {
            silence = try SilenceMapping.silence(request.silence)
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
        silence.id = UUID().uuidString.lowercased()
        if silence.startsAtMs == 0 { silence.startsAtMs = at }
        silence.createdAtMs = at
        silence.updatedAtMs = at
        if let problem = silence.problems().first {
            throw RPCError(code: .invalidArgument, message: problem.description)
        }
        if silence.endsAtMs <= at {
            throw RPCError(code: .invalidArgument, message: "ends_at_ms: is in the past; a silence must end later than now")
        }
        try await storeCall { try await store.createSilence(silence) }
        logger.info(
            "silence created",
            metadata: [
                "silence": "\(silence.id)", "matchers": "\(silence.matchers.map(\.description).joined(separator: ","))",
                "created_by": "\(silence.createdBy)",
            ])
        await removeLongExpired(at: at)
        return SilenceMapping.message(silence, atMs: at)
    }

    public func list(request: Fleetwatch_V1_ListSilencesRequest, context: ServerContext) async throws
        -> Fleetwatch_V1_ListSilencesResponse
    {
        for state in request.states where SilenceMapping.state(state) == nil {
            throw RPCError(code: .invalidArgument, message: "states: \(state) is not pending, active or expired")
        }
        let at = now()
        let silences = try await storeCall { try await store.silences(activeAtMs: nil) }
            .map { SilenceMapping.message($0, atMs: at) }
            .filter { request.states.isEmpty || request.states.contains($0.state) }
        var response = Fleetwatch_V1_ListSilencesResponse()
        response.silences = silences
        return response
    }

    public func expire(request: Fleetwatch_V1_ExpireSilenceRequest, context: ServerContext) async throws
        -> Fleetwatch_V1_Silence
    {
        guard !request.id.isEmpty else { throw RPCError(code: .invalidArgument, message: "id: is required") }
        let at = now()
        let expired = try await storeCall { try await store.expireSilence(id: request.id, atMs: at) }
        logger.info("silence expired", metadata: ["silence": "\(expired.id)"])
        return SilenceMapping.message(expired, atMs: at)
    }

    /// Retention of expired silences; a failure is logged, not returned (the next Create tries again).
    private func removeLongExpired(at now: Int64) async {
        do {
            try await store.deleteSilences(endedBeforeMs: now - SilenceRetention.keepExpired.wholeMilliseconds)
        } catch {
            logger.warning("removing long-expired silences failed", metadata: ["error": "\(error)"])
        }
    }

    private func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            if case .notFound(let why) = error { throw RPCError(code: .notFound, message: why) }
            throw RPCError(code: .unavailable, message: "the silence store is not answering: \(error)")
        }
    }
}
