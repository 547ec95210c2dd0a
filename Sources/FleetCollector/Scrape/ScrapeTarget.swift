import FleetSettings

/// The exporter to scrape, from a URL like `http://127.0.0.1:9100/metrics` (plain HTTP; the path defaults to
/// /metrics). Parsing refuses anything else with the expected form in the message.
public struct ScrapeTarget: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var path: String

    public init(url: String) throws(ScrapeFailure) {
        let expected = "expected http://host:port/path, like http://127.0.0.1:9100/metrics"
        guard url.hasPrefix("http://") else {
            throw ScrapeFailure("FLEETWATCH_SCRAPE_URL: \(expected), got '\(url.prefix(80))'")
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        // The one `host[:port]` reading (HostPort.split): brackets of an IPv6 host come off, the port defaults to 80.
        guard let parts = try? HostPort.split(authority) else {
            throw ScrapeFailure("FLEETWATCH_SCRAPE_URL: bad IPv6 address in '\(url.prefix(80))'; \(expected)")
        }
        var port = 80
        if let portText = parts.port {
            guard let parsed = HostPort.port(portText) else {
                throw ScrapeFailure("FLEETWATCH_SCRAPE_URL: bad port in '\(url.prefix(80))'; \(expected)")
            }
            port = parsed
        }
        let host = parts.host
        guard !host.isEmpty else { throw ScrapeFailure("FLEETWATCH_SCRAPE_URL: no host in '\(url.prefix(80))'; \(expected)") }
        self.host = String(host)
        self.port = port
        self.path = path.isEmpty ? "/metrics" : String(path)
    }

    public var description: String {
        "http://\(host.contains(":" as Character) ? "[\(host)]" : host):\(port)\(path)"
    }
}
