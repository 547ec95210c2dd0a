import GRPCCore
import ServiceLifecycle

/// Runs a gRPC server as a lifecycle service: on SIGTERM it stops accepting new RPCs and lets
/// in-flight ones finish.
public struct GRPCServerService<Transport: ServerTransport>: Service {
    public let server: GRPCServer<Transport>

    public init(server: GRPCServer<Transport>) {
        self.server = server
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
