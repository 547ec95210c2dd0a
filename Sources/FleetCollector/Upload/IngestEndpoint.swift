import FleetSettings
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// Where the collector sends batches: a gRPC endpoint (FleetSettings), parsed from FLEETWATCH_INGEST_URL.
public typealias IngestEndpoint = GRPCEndpoint

/// The ingest URL could not be understood.
public typealias IngestEndpointError = GRPCEndpointError

extension GRPCEndpoint {
    /// The gRPC transport for this endpoint, for the uploader: the agent does not link FleetRuntime, whose public
    /// `makeTransport()` everyone else uses. Internal, so the two never meet.
    func makeTransport() throws -> HTTP2ClientTransport.Posix {
        let target: any ResolvableTarget =
            switch address {
            case .ipv4(let host, let port): .ipv4(address: host, port: port)
            case .ipv6(let host, let port): .ipv6(address: host, port: port)
            case .dns(let host, let port): .dns(host: host, port: port)
            }
        return try .http2NIOPosix(target: target, transportSecurity: usesTLS ? trust.uploaderSecurity : .plaintext)
    }
}
