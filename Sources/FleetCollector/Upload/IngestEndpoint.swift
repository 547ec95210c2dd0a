import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// Where the collector sends batches, parsed from a URL like "http://127.0.0.1:7070"
/// (plaintext) or "https://ingest.example.com:7070" (TLS with the system trust roots).
public struct IngestEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var usesTLS: Bool

    public init(host: String, port: Int, usesTLS: Bool = false) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// Parses `url`; the error names `variable` and the expected form. Also used for the config service's
    /// URL (FLEETWATCH_CONFIG_URL, default port 7071): both are gRPC endpoints.
    public init(url: String, variable: String = "FLEETWATCH_INGEST_URL", defaultPort: Int = 7070) throws {
        let invalid = IngestEndpointError(variable: variable, value: url)
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
        var authority = rest.prefix(while: { $0 != "/" })
        guard rest.dropFirst(authority.count).allSatisfy({ $0 == "/" }), !authority.isEmpty else { throw invalid }
        var portText: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid }
                portText = after.dropFirst()
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                portText = authority[authority.index(after: colon)...]
                authority = authority[..<colon]
            }
            host = String(authority)
        }
        guard !host.isEmpty else { throw invalid }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw invalid }
            port = value
        } else {
            port = defaultPort
        }
    }

    /// The gRPC transport for this endpoint: IP literals connect directly, names go through DNS.
    public func makeTransport() throws -> HTTP2ClientTransport.Posix {
        let target: any ResolvableTarget
        if host.contains(":") {
            target = .ipv6(address: host, port: port)
        } else if host.split(separator: ".").count == 4, host.allSatisfy({ $0.isNumber || $0 == "." }) {
            target = .ipv4(address: host, port: port)
        } else {
            target = .dns(host: host, port: port)
        }
        return try .http2NIOPosix(target: target, transportSecurity: usesTLS ? .tls : .plaintext)
    }
}

/// The ingest URL could not be understood.
public struct IngestEndpointError: Error, CustomStringConvertible, Sendable, Equatable {
    public var variable: String
    public var value: String

    public var description: String {
        "\(variable): expected http://host:port or https://host:port, got '\(value)'"
    }
}
