import FleetSettings
import GRPCNIOTransportHTTP2Posix
import NIOSSL

/// A server's TLS, loaded and checked at start (`ServerTLSFiles`: FLEETWATCH_TLS_CERT, FLEETWATCH_TLS_KEY and
/// optionally FLEETWATCH_TLS_CLIENT_CA), in the two forms the servers take: the gRPC transport's and NIOSSL's for
/// the HTTP servers. With a client CA, every client must present a certificate it signed.
public struct ServerTLS: Sendable {
    public let files: ServerTLSFiles
    private let chain: [NIOSSLCertificate]
    private let key: NIOSSLPrivateKey
    private let clientRoots: [NIOSSLCertificate]?

    /// Loads the files; an unreadable file, one that holds no certificate or key, or a key that does not belong
    /// to the certificate throws, naming the variable.
    public init(files: ServerTLSFiles) throws(ConfigError) {
        self.files = files
        chain = try PEMLoading.certificates(files.certificate, setting: "FLEETWATCH_TLS_CERT")
        key = try PEMLoading.privateKey(files.key, setting: "FLEETWATCH_TLS_KEY")
        try PEMLoading.checkPair(
            chain: chain, key: key, keyPath: files.key, keySetting: "FLEETWATCH_TLS_KEY",
            certificateSetting: "FLEETWATCH_TLS_CERT")
        clientRoots = try files.clientCA.map { path throws(ConfigError) in
            try PEMLoading.certificates(path, setting: "FLEETWATCH_TLS_CLIENT_CA")
        }
    }

    /// Whether clients must present a certificate signed by FLEETWATCH_TLS_CLIENT_CA.
    public var requiresClientCertificates: Bool { clientRoots != nil }

    /// For `GRPCServer(transport: .http2NIOPosix(…, transportSecurity:))`: the transport reads the files (checked
    /// by `init`) when it starts listening.
    public var grpcSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        .tls(
            .init(
                certificateChain: [.file(path: files.certificate, format: .pem)],
                privateKey: .file(path: files.key, format: .pem),
                clientCertificateVerification: clientRoots == nil ? .noVerification : .noHostnameVerification,
                trustRoots: files.clientCA.map { .certificates([.file(path: $0, format: .pem)]) } ?? .systemDefault,
                requireALPN: false))
    }

    /// For the HTTP servers (HummingbirdTLS's `.tls(_:tlsConfiguration:)`).
    public var configuration: TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        if let clientRoots {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(clientRoots)
        }
        return configuration
    }
}

extension Optional where Wrapped == ServerTLS {
    /// Plaintext without TLS files: the zero-config default.
    public var grpcSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        map(\.grpcSecurity) ?? .plaintext
    }
}
