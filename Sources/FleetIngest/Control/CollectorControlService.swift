import FleetProto
import GRPCCore

/// `monitoring.ControlService`, the seed's two-way control stream, served over the collectors connected to this
/// edge: each `Command` is translated (`SeedCommandTranslation`) and queued on that collector's Publish stream, and
/// answered by one `Response` in order — `accepted` once it is on its way, or refused with the reason in `detail`
/// (unknown command, bad interval, collector not connected here). Needs "authorization: Bearer <admin token>".
public struct CollectorControlService: Monitoring_ControlService.ServiceProtocol {
    /// The service's fully qualified name, for health checks and the reflection listing.
    public static let serviceName = "monitoring.ControlService"

    let directory: CollectorDirectory
    let adminToken: String?

    /// - Parameter adminToken: the operator token; nil refuses every stream (commands are off).
    public init(directory: CollectorDirectory, adminToken: String?) {
        self.directory = directory
        self.adminToken = adminToken
    }

    public func manageStream(
        request: StreamingServerRequest<Monitoring_Command>, context: ServerContext
    ) async throws -> StreamingServerResponse<Monitoring_Response> {
        try authorize(request.metadata)
        return StreamingServerResponse { writer in
            for try await command in request.messages {
                try await writer.write(answer(command))
            }
            return [:]
        }
    }

    /// Sends `command` to its collector if it can, and says what happened.
    public func answer(_ command: Monitoring_Command) -> Monitoring_Response {
        var response = Monitoring_Response()
        response.machineID = command.machineID
        switch SeedCommandTranslation.collectorCommand(for: command) {
        case .failure(let refusal):
            response.detail = refusal.description
        case .success(let translated):
            if directory.send(translated, to: command.machineID) {
                response.accepted = true
                response.detail = "sent to \(command.machineID): \(Self.summary(of: translated))"
            } else {
                response.detail = "collector '\(command.machineID)' is not connected to this edge"
            }
        }
        return response
    }

    private func authorize(_ metadata: Metadata) throws {
        guard let adminToken else {
            throw RPCError(
                code: .permissionDenied,
                message: "collector commands are disabled: start the edge with FLEETWATCH_ADMIN_TOKEN")
        }
        let presented = Array(metadata[stringValues: "authorization"]).first ?? ""
        guard presented == "Bearer \(adminToken)" else {
            throw RPCError(code: .unauthenticated, message: "collector commands need the admin token (authorization: Bearer …)")
        }
    }

    private static func summary(of command: Fleetwatch_V1_Command) -> String {
        switch command.kind {
        case .setInterval(let interval): "interval \(interval.seconds) s from its next tick"
        case .requestProcessSnapshot: "process snapshot in its next batch"
        case nil: "nothing"
        }
    }
}
