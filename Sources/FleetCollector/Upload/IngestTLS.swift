import FleetSettings
import GRPCNIOTransportHTTP2Posix
import NIOSSL

/// The collector's side of TLS to the edge (the agent does not link FleetRuntime, which does the same for the
/// other clients): checking FLEETWATCH_TLS_CA and the client certificate at start, and the transport security.
extension ClientTLSFiles {
    /// Throws, naming the variable, when the CA holds no certificate or the client key does not belong to the
    /// client certificate.
    public func checkForCollector() throws(ConfigError) {
        if let ca { _ = try Self.certificates(ca, setting: "FLEETWATCH_TLS_CA") }
        guard let certificate, let key else { return }
        let chain = try Self.certificates(certificate, setting: "FLEETWATCH_TLS_CLIENT_CERT")
        guard let privateKey = try? NIOSSLPrivateKey(file: key, format: .pem) else {
            throw ConfigError(setting: "FLEETWATCH_TLS_CLIENT_KEY", expected: "a PEM private key (unencrypted)", got: key)
        }
        let pair = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        guard (try? NIOSSLContext(configuration: pair)) != nil else {
            throw ConfigError(
                setting: "FLEETWATCH_TLS_CLIENT_KEY", expected: "the private key of the certificate in FLEETWATCH_TLS_CLIENT_CERT",
                got: key)
        }
    }

    private static func certificates(_ path: String, setting: String) throws(ConfigError) -> [NIOSSLCertificate] {
        guard let certificates = try? NIOSSLCertificate.fromPEMFile(path), !certificates.isEmpty else {
            throw ConfigError(setting: setting, expected: "a PEM file of certificates", got: path)
        }
        return certificates
    }

    /// Full verification of the edge against the CA (or the system roots), with the client certificate if any.
    var uploaderSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        .tls { configuration in
            if let ca { configuration.trustRoots = .certificates([.file(path: ca, format: .pem)]) }
            if let certificate, let key {
                configuration.certificateChain = [.file(path: certificate, format: .pem)]
                configuration.privateKey = .file(path: key, format: .pem)
            }
        }
    }
}

extension CollectorConfiguration {
    /// The edge to upload to: the ingest URL with the TLS files to use on it.
    func endpoint() throws -> IngestEndpoint {
        var endpoint = try IngestEndpoint(url: ingestURL)
        endpoint.trust = trust
        return endpoint
    }
}

extension IngestEndpoint {
    /// A failed stream's reason, with advice when it is a TLS mismatch (`TLSMismatchHint`).
    func explainingTLS(_ reason: String) -> String {
        TLSMismatchHint.annotate(reason, usesTLS: usesTLS, urlSetting: "FLEETWATCH_INGEST_URL")
    }
}
