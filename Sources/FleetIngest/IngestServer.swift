import FleetProto
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// The edge's gRPC server, as `fleetwatch ingest` and the hub run it: HTTP/2, plaintext or with the TLS of
/// `security` (FleetRuntime's `ServerTLS`), serving the ingest service with the batch size limit enforced where it
/// can be answered with a status (`BatchSizeLimit`), and the services given `alongside` (the wiring adds
/// grpc.health.v1 and reflection).
public enum IngestServer {
    /// The Fleetwatch services of the edge, for health checks and the reflection listing.
    public static let serviceNames = ["fleetwatch.v1.Ingest"]

    public static func make(
        host: String, port: Int, ingest: some Fleetwatch_V1_Ingest.StreamingServiceProtocol,
        limit: BatchSizeLimit = .standard, alongside: [any RegistrableRPCService] = [],
        security: HTTP2ServerTransport.Posix.TransportSecurity = .plaintext
    ) -> GRPCServer<HTTP2ServerTransport.Posix> {
        GRPCServer(
            transport: .http2NIOPosix(
                address: .ipv4(host: host, port: port), transportSecurity: security,
                config: .defaults { $0.rpc.maxRequestPayloadSize = limit.transportBytes }),
            services: [SizeLimitedIngest(service: ingest, limit: limit)] + alongside)
    }
}
