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
        var host = Substring(authority)
        var port = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw ScrapeFailure("FLEETWATCH_SCRAPE_URL: bad port in '\(url.prefix(80))'; \(expected)")
            }
            port = parsed
            host = authority[..<colon]
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { throw ScrapeFailure("FLEETWATCH_SCRAPE_URL: no host in '\(url.prefix(80))'; \(expected)") }
        self.host = String(host)
        self.port = port
        self.path = path.isEmpty ? "/metrics" : String(path)
    }

    public var description: String {
        "http://\(host.contains(":" as Character) ? "[\(host)]" : host):\(port)\(path)"
    }
}
