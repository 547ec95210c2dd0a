import FleetCore
import FleetProto
import GRPCCore
import Hummingbird
import Logging

/// /api/v1/credentials (docs/api.md, "Machine credentials"): the config service's Credentials over REST, passing the
/// caller's admin token on (every route needs it). DELETE revokes the machine's active credential.
struct CredentialsAPI: Sendable {
    let config: ConfigClient
    let logger: Logger

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/v1/credentials") { request, _ in
            let metadata = ConfigClient.forwardedToken(request)
            let credentials = try await call { try await config.credentials.list(.init(), metadata: metadata).credentials }
            return try JSONResponse.make(CredentialListJSON(credentials))
        }
        router.get("/api/v1/credentials/events") { request, _ in
            let limit = try Self.limit(request.uri.queryParameters.get("limit"))
            let metadata = ConfigClient.forwardedToken(request)
            let events = try await call {
                try await config.credentials.events(.with { $0.limit = limit }, metadata: metadata).events
            }
            return try JSONResponse.make(CredentialEventListJSON(events))
        }
        router.delete("/api/v1/credentials/:machine_id") { request, context in
            guard let machine = context.parameters.get("machine_id"), !machine.isEmpty else {
                throw APIError(.badRequest, "a machine id is required")
            }
            let metadata = ConfigClient.forwardedToken(request)
            let revoked = try await call {
                try await config.credentials.revoke(
                    .with {
                        $0.machineID = machine
                        $0.revokedBy = "REST API"
                    }, metadata: metadata)
            }
            return try JSONResponse.make(CredentialJSON(revoked))
        }
    }

    /// 1 to 1000 events; none: 100.
    static func limit(_ text: String?) throws(APIError) -> Int32 {
        guard let text else { return 0 }
        guard let limit = Int32(text), (1...1000).contains(limit) else {
            throw .badParameter("limit", "limit must be 1 to 1000 (got '\(text.prefix(20))')")
        }
        return limit
    }

    private func call<T>(_ body: () async throws -> T) async throws -> T {
        try await ConfigClient.call(logger: logger, body)
    }
}
