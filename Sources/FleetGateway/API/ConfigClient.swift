import FleetProto
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import ServiceLifecycle

/// The gateway's connection to the config service (FLEETWATCH_CONFIG_URL), for rule and silence reads and writes and
/// retiring machines. Runs as a
/// lifecycle service; calls made while it is unreachable fail with UNAVAILABLE, which the API answers with 503.
public final class ConfigClient: Service, Sendable {
    let client: GRPCClient<HTTP2ClientTransport.Posix>

    public init(transport: HTTP2ClientTransport.Posix) {
        client = GRPCClient(transport: transport)
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            self.client.beginGracefulShutdown()
        }
    }

    var rules: Fleetwatch_V1_Rules.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
    var fleet: Fleetwatch_V1_FleetQuery.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
    var silences: Fleetwatch_V1_Silences.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
    var credentials: Fleetwatch_V1_Credentials.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
}
