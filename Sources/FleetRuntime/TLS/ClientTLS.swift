import FleetSettings
import GRPCNIOTransportHTTP2Posix
import NIOSSL

extension ClientTLSFiles {
    /// Loads the files to check them at start: the CA holds certificates, the client key belongs to the client
    /// certificate. Errors name the variable.
    public func check() throws(ConfigError) {
        if let ca { _ = try PEMLoading.certificates(ca, setting: "FLEETWATCH_TLS_CA") }
        if let certificate, let key {
            let chain = try PEMLoading.certificates(certificate, setting: "FLEETWATCH_TLS_CLIENT_CERT")
            try PEMLoading.checkPair(
                chain: chain, key: try PEMLoading.privateKey(key, setting: "FLEETWATCH_TLS_CLIENT_KEY"), keyPath: key,
                keySetting: "FLEETWATCH_TLS_CLIENT_KEY", certificateSetting: "FLEETWATCH_TLS_CLIENT_CERT")
        }
    }

    /// The gRPC client's TLS: full verification of the server against the CA (or the system roots), presenting
    /// the client certificate when there is one.
    public var grpcSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        .tls { configuration in
            if let ca { configuration.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
            if let certificate, let key {
                configuration.certificateChain = [.file(path: certificate, format: .pem)]
                configuration.privateKey = .file(path: key, format: .pem)
            }
        }
    }

    /// The same for an HTTPS or WebSocket (wss) client (NIOSSL): the CA (or the system roots) and the client
    /// certificate if any. Errors name the variable.
    public func httpsConfiguration() throws(ConfigError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let ca { configuration.trustRoots = .certificates(try PEMLoading.certificates(ca, setting: "FLEETWATCH_TLS_CA")) }
        if let certificate, let key {
            configuration.certificateChain = try PEMLoading.certificates(certificate, setting: "FLEETWATCH_TLS_CLIENT_CERT")
                .map { .certificate($0) }
            configuration.privateKey = .privateKey(try PEMLoading.privateKey(key, setting: "FLEETWATCH_TLS_CLIENT_KEY"))
        }
        return configuration
    }
}
