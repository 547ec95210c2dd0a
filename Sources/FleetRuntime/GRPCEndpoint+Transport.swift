import FleetSettings
import GRPCCore
import GRPCNIOTransportHTTP2Posix

extension GRPCEndpoint {
    /// The gRPC transport for this endpoint: IP literals connect directly, names go through DNS; TLS for https
    /// URLs, trusting `trust.ca` (or the system roots) and presenting `trust`'s client certificate if any. `serviceConfig` sets per-method defaults such as the CLI's deadline.
    public func makeTransport(serviceConfig: ServiceConfig = ServiceConfig()) throws -> HTTP2ClientTransport.Posix {
        let target: any ResolvableTarget =
            switch address {
            case .ipv4(let host, let port): .ipv4(address: host, port: port)
            case .ipv6(let host, let port): .ipv6(address: host, port: port)
            case .dns(let host, let port): .dns(host: host, port: port)
            }
        return try .http2NIOPosix(target: target, transportSecurity: usesTLS ? trust.grpcSecurity : .plaintext, serviceConfig: serviceConfig)
    }
}
