/// The one reading of `host[:port]` shared by every address Fleetwatch parses: HostPort (listen and connect
/// settings), GRPCEndpoint (FLEETWATCH_INGEST_URL, FLEETWATCH_CONFIG_URL), AMQPURL, the PostgreSQL URL, the scrape
/// target (FLEETWATCH_SCRAPE_URL) and the notify config's e-mail smarthost. Each caller keeps its own error
/// messages and defaults; this only splits and checks the syntax.
extension HostPort {
    /// What is wrong with an authority's syntax.
    public enum SplitError: Error, Sendable, Equatable {
        /// `[` without its `]`.
        case unterminatedIPv6
        /// Text after `]` that is not `:port`; the text is given.
        case unexpectedAfterIPv6(String)
    }

    /// Splits `host[:port]` or `[ipv6][:port]` at the port's colon: the host without brackets (possibly empty) and
    /// the port's text as written (nil without a colon, possibly empty after one). Unbracketed text splits at its
    /// last colon.
    public static func split(_ authority: Substring) throws(SplitError) -> (host: Substring, port: Substring?) {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .unterminatedIPv6 }
            let host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { return (host, after.dropFirst()) }
            guard after.isEmpty else { throw .unexpectedAfterIPv6(String(after)) }
            return (host, nil)
        }
        guard let colon = authority.lastIndex(of: ":") else { return (authority, nil) }
        return (authority[..<colon], authority[authority.index(after: colon)...])
    }

    /// The port `text` names, if it is a number within `range` (1...65535 unless a listen address allows 0).
    public static func port(_ text: Substring, in range: ClosedRange<Int> = 1...65535) -> Int? {
        guard let value = Int(text), range.contains(value) else { return nil }
        return value
    }
}
