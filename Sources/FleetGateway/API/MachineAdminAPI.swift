import FleetProto
import Hummingbird
import Logging

/// DELETE /api/v1/machines/{id} (docs/api.md): retires a machine through the config service, passing the caller's
/// admin token on. 204 when retired, 404 for a machine never seen, 401/403 without the right token.
struct MachineAdminAPI: Sendable {
    let config: ConfigClient
    let logger: Logger

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.delete("/api/v1/machines/:id") { request, context in
            guard let id = context.parameters.get("id"), !id.isEmpty else {
                throw APIError(.badRequest, "a machine id is required")
            }
            let metadata = ConfigClient.forwardedToken(request)
            _ = try await ConfigClient.call(logger: logger) {
                try await config.fleet.retireMachine(.with { $0.machineID = id }, metadata: metadata)
            }
            return Response(status: .noContent)
        }
    }
}
