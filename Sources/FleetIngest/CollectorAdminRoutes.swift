import FleetProto
import Hummingbird

/// Operator endpoints of the ingest edge, on its health listener, behind FLEETWATCH_ADMIN_TOKEN:
///   GET  /admin/collectors                          machine ids streaming to this edge
///   POST /admin/collectors/{machine}/interval?seconds=N   change that collector's interval (1...3600)
///   POST /admin/collectors/{machine}/snapshot        ask for a process snapshot on its next tick
public func collectorAdminRoutes(
    directory: CollectorDirectory, adminToken: String?
) -> @Sendable (Router<BasicRequestContext>) -> Void {
    { router in
        let admin = router.group("admin/collectors")
        @Sendable func authorized(_ request: Request) throws {
            guard let adminToken else {
                throw HTTPError(.forbidden, message: "admin endpoints are off: set FLEETWATCH_ADMIN_TOKEN on the ingest edge\n")
            }
            guard request.headers[.authorization] == "Bearer \(adminToken)" else {
                throw HTTPError(.unauthorized, message: "send 'Authorization: Bearer <FLEETWATCH_ADMIN_TOKEN>'\n")
            }
        }
        @Sendable func deliver(_ command: Fleetwatch_V1_Command, to machine: String) throws -> Response {
            guard directory.send(command, to: machine) else {
                throw HTTPError(.notFound, message: "collector '\(machine)' is not connected to this edge\n")
            }
            return Response(status: .accepted, body: .init(byteBuffer: ByteBuffer(string: "sent to \(machine)\n")))
        }
        admin.get { request, _ -> Response in
            try authorized(request)
            let list = directory.connected.map { "\"\($0)\"" }.joined(separator: ",")
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "[\(list)]\n")))
        }
        admin.post(":machine/interval") { request, context -> Response in
            try authorized(request)
            let machine = try context.parameters.require("machine")
            guard let text = request.uri.queryParameters["seconds"], let seconds = Int32(text), (1...3600).contains(seconds)
            else {
                throw HTTPError(.badRequest, message: "expected ?seconds=N with N in 1...3600\n")
            }
            var command = Fleetwatch_V1_Command()
            command.setInterval.seconds = seconds
            return try deliver(command, to: machine)
        }
        admin.post(":machine/snapshot") { request, context -> Response in
            try authorized(request)
            var command = Fleetwatch_V1_Command()
            command.requestProcessSnapshot = Fleetwatch_V1_RequestProcessSnapshot()
            return try deliver(command, to: try context.parameters.require("machine"))
        }
    }
}
