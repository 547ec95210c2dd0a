import ArgumentParser
import FleetRuntime
import FleetSettings

/// The TLS files of a process's servers (docs/operations.md "TLS"); none set: plaintext, the default.
struct ServerTLSOptions: ParsableArguments {
    @Option(help: "PEM certificate chain the servers present (FLEETWATCH_TLS_CERT); with --tls-key turns TLS on.")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert (FLEETWATCH_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "PEM CA file: clients must present a certificate it signed (FLEETWATCH_TLS_CLIENT_CA).")
    var tlsClientCA: String?

    /// The loaded and checked TLS, or nil for plaintext; a bad file stops the process naming the variable.
    func load() throws -> ServerTLS? {
        try ServerTLSFiles.resolve(certificate: tlsCert, key: tlsKey, clientCA: tlsClientCA).map { try ServerTLS(files: $0) }
    }
}

/// What a process trusts on the https:// URLs it calls, and the client certificate it presents there.
struct ClientTLSOptions: ParsableArguments {
    @Option(help: "PEM CA file that https:// servers' certificates must chain to (FLEETWATCH_TLS_CA; default: system roots).")
    var tlsCA: String?

    @Option(help: "PEM client certificate for servers that require one (FLEETWATCH_TLS_CLIENT_CERT).")
    var tlsClientCert: String?

    @Option(help: "PEM private key of --tls-client-cert (FLEETWATCH_TLS_CLIENT_KEY).")
    var tlsClientKey: String?

    /// The checked files; a bad one stops the process naming the variable.
    func load() throws -> ClientTLSFiles {
        let files = try ClientTLSFiles.resolve(ca: tlsCA, certificate: tlsClientCert, key: tlsClientKey)
        try files.check()
        return files
    }

    /// `endpoint` with these files to use on it.
    func apply(to endpoint: GRPCEndpoint) throws -> GRPCEndpoint {
        var endpoint = endpoint
        endpoint.trust = try load()
        return endpoint
    }
}
