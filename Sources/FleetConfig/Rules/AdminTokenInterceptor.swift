import FleetProto
import GRPCCore

/// Admits writes (rule Create, Update, Delete; RetireMachine; silence Create, Expire) and every Credentials method
/// only with "authorization: Bearer <admin token>"; other reads are open.
/// Without a configured token, writes are refused with a message saying how to enable them.
public struct AdminTokenInterceptor: ServerInterceptor {
    let token: String?

    static let writes: Set<MethodDescriptor> = [
        Fleetwatch_V1_Rules.Method.Create.descriptor, Fleetwatch_V1_Rules.Method.Update.descriptor,
        Fleetwatch_V1_Rules.Method.Delete.descriptor, Fleetwatch_V1_FleetQuery.Method.RetireMachine.descriptor,
        Fleetwatch_V1_Silences.Method.Create.descriptor, Fleetwatch_V1_Silences.Method.Expire.descriptor,
        Fleetwatch_V1_Credentials.Method.List.descriptor, Fleetwatch_V1_Credentials.Method.Revoke.descriptor,
        Fleetwatch_V1_Credentials.Method.Events.descriptor,
    ]

    public init(token: String?) {
        self.token = token
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard Self.writes.contains(context.descriptor) else { return try await next(request, context) }
        let what = Self.what(context.descriptor)
        guard let token else {
            throw RPCError(
                code: .permissionDenied,
                message: "\(what) are disabled: start the config service with FLEETWATCH_ADMIN_TOKEN")
        }
        let presented = Array(request.metadata[stringValues: "authorization"]).first ?? ""
        guard presented == "Bearer \(token)" else {
            throw RPCError(code: .unauthenticated, message: "\(what) need the admin token (authorization: Bearer …)")
        }
        return try await next(request, context)
    }

    /// The writes a refusal names.
    private static func what(_ method: MethodDescriptor) -> String {
        switch method.service {
        case Fleetwatch_V1_FleetQuery.descriptor: "retiring machines"
        case Fleetwatch_V1_Silences.descriptor: "silence changes"
        case Fleetwatch_V1_Credentials.descriptor: "machine credentials"
        default: "rule changes"
        }
    }
}
