/// A gRPC server to connect to, parsed from a URL like "http://127.0.0.1:7070" (plaintext) or
/// "https://ingest.example.com:7070" (TLS with the system trust roots): the ingest edge the collector sends batches
/// to, and the config service the gateway, the hub and the CLI clients call.
///
/// Here, without the gRPC transport, so the portable agent can parse its endpoint; the transport is made by
/// `makeTransport()` (FleetRuntime for the servers and the CLI, FleetCollector for the agent and the probe).
public struct GRPCEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var usesTLS: Bool
    /// For https URLs: the CA to trust instead of the system roots, and a client certificate to present.
    public var trust = ClientTLSFiles()

    /// How `host` is reached: IP literals connect directly, names go through DNS.
    public enum Address: Sendable, Equatable {
        case ipv4(String, port: Int)
        case ipv6(String, port: Int)
        case dns(String, port: Int)
    }

    public init(host: String, port: Int, usesTLS: Bool = false) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// Parses `url`; the error names `variable` and the expected form. The defaults are the ingest edge's
    /// (FLEETWATCH_INGEST_URL, port 7070); the config service's URL passes FLEETWATCH_CONFIG_URL and 7071.
    public init(url: String, variable: String = "FLEETWATCH_INGEST_URL", defaultPort: Int = 7070) throws(GRPCEndpointError) {
        let invalid = GRPCEndpointError(variable: variable, value: url)
        let rest: Substring
        if url.hasPrefix("http://") {
            usesTLS = false
            rest = url.dropFirst(7)
        } else if url.hasPrefix("https://") {
            usesTLS = true
            rest = url.dropFirst(8)
        } else {
            throw invalid
        }
        let authority = rest.prefix(while: { $0 != "/" })
        guard rest.dropFirst(authority.count).allSatisfy({ $0 == "/" }), !authority.isEmpty,
            let parts = try? HostPort.split(authority), !parts.host.isEmpty
        else { throw invalid }
        host = String(parts.host)
        if let portText = parts.port {
            guard let value = HostPort.port(portText) else { throw invalid }
            port = value
        } else {
            port = defaultPort
        }
    }

    /// The address to resolve: IP literals connect directly, names go through DNS.
    public var address: Address {
        if host.contains(":") {
            .ipv6(host, port: port)
        } else if host.split(separator: ".").count == 4, host.allSatisfy({ $0.isNumber || $0 == "." }) {
            .ipv4(host, port: port)
        } else {
            .dns(host, port: port)
        }
    }
}

/// A gRPC endpoint URL could not be understood.
public struct GRPCEndpointError: Error, CustomStringConvertible, Sendable, Equatable {
    public var variable: String
    public var value: String

    public init(variable: String, value: String) {
        self.variable = variable
        self.value = value
    }

    public var description: String {
        "\(variable): expected http://host:port or https://host:port, got '\(value)'"
    }
}
