import FleetProto
import GRPCCore
import ServiceLifecycle

/// grpc.health.v1.Health: SERVING while `isServing` says so (the process's readiness), for the whole server ("")
/// and for each service it names; an unknown service is NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch). Served by
/// both gRPC servers, the config service and the ingest edge.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    let services: Set<String>
    let isServing: @Sendable () -> Bool

    public init(services: [String], isServing: @escaping @Sendable () -> Bool) {
        self.services = Set(services + [""])
        self.isServing = isServing
    }

    public func check(
        request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard services.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
        }
        return .with { $0.status = isServing() ? .serving : .notServing }
    }

    /// The status now, then every change (checked each second) until the client leaves or the process stops.
    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        guard services.contains(request.service) else {
            try await response.write(.with { $0.status = .serviceUnknown })
            return
        }
        do {
            try await cancelWhenGracefulShutdown {
                var last: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
                while true {
                    let status: Grpc_Health_V1_HealthCheckResponse.ServingStatus = isServing() ? .serving : .notServing
                    if status != last {
                        try await response.write(.with { $0.status = status })
                        last = status
                    }
                    try await Task.sleep(for: .seconds(1))
                }
            }
        } catch is CancellationError {
            // Client gone or the process stopping.
        }
    }
}
