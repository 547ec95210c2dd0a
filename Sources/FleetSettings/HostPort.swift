/// A `host:port` listen or connect address, parsed with an error that names the setting.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `http://host:port`; `setting` names the flag or variable in errors.
    public init(parsing text: String, setting: String) throws(ConfigError) {
        var rest = Substring(text)
        for scheme in ["http://", "https://"] where rest.hasPrefix(scheme) { rest = rest.dropFirst(scheme.count) }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let parts = try? Self.split(rest), !parts.host.isEmpty, let portText = parts.port,
            let port = Self.port(portText, in: 0...65535)
        else {
            throw ConfigError(setting: setting, expected: "host:port (for example 127.0.0.1:8080)", got: text)
        }
        // The host as written, brackets included: it is shown and connected to as given.
        self.host = String(rest[..<rest.index(before: portText.startIndex)])
        self.port = port
    }

    public var description: String { "\(host):\(port)" }

    /// A plain-HTTP URL a process on this machine can connect to: a listen address on every interface
    /// (0.0.0.0) is reached through loopback.
    public var localURL: String { "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)" }
}

/// A configuration value that does not have the expected form.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var setting: String
    public var expected: String
    public var got: String

    public init(setting: String, expected: String, got: String) {
        self.setting = setting
        self.expected = expected
        self.got = got
    }

    public var description: String { "\(setting): expected \(expected), got '\(got)'" }
}
