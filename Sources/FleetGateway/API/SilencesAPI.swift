import FleetCore
import FleetProto
import Foundation
import GRPCCore
import Hummingbird
import Logging

/// /api/v1/silences (docs/api.md, "Silences"): the config service's Silences over REST, passing the caller's
/// admin token on. DELETE expires a silence (it stays listed as expired). After a change the live view reads the
/// silences again (`onChange`), so this gateway's pages show it at once.
struct SilencesAPI: Sendable {
    let config: ConfigClient
    let logger: Logger
    let now: @Sendable () -> Int64
    var onChange: @Sendable () async -> Void = {}

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/v1/silences") { request, _ in
            let states = try Self.states(request.uri.queryParameters.get("state"))
            let silences = try await call { try await config.silences.list(.with { $0.states = states }).silences }
            return try JSONResponse.make(SilenceListJSON(silences))
        }
        router.post("/api/v1/silences") { request, context in
            let silence = try await body(request, context).silence(now: now())
            let metadata = ConfigClient.forwardedToken(request)
            let created = try await call {
                try await config.silences.create(.with { $0.silence = silence }, metadata: metadata)
            }
            await onChange()
            return try JSONResponse.make(SilenceJSON(created), status: .created)
        }
        router.delete("/api/v1/silences/:id") { request, context in
            guard let id = context.parameters.get("id"), !id.isEmpty else {
                throw APIError(.badRequest, "a silence id is required")
            }
            let metadata = ConfigClient.forwardedToken(request)
            let expired = try await call { try await config.silences.expire(.with { $0.id = id }, metadata: metadata) }
            await onChange()
            return try JSONResponse.make(SilenceJSON(expired))
        }
    }

    /// `active`, `pending`, `expired`, or several separated by commas; none: all.
    static func states(_ text: String?) throws(APIError) -> [Fleetwatch_V1_SilenceState] {
        var states: [Fleetwatch_V1_SilenceState] = []
        for name in (text ?? "").split(separator: ",") {
            guard let state = SilenceMapping.state(named: String(name)) else {
                throw .badParameter("state", "state takes active, pending or expired (got '\(name)')")
            }
            states.append(state)
        }
        return states
    }

    private func body(_ request: Request, _ context: some RequestContext) async throws -> SilenceBody {
        try await JSONBody.decode(SilenceBody.self, from: request, as: "a silence")
    }

    private func call<T>(_ body: () async throws -> T) async throws -> T {
        try await ConfigClient.call(logger: logger, body)
    }
}
