import FleetSettings
/// Where and as whom to reach RabbitMQ: `amqp://user:pass@host:port/vhost`, the form of
/// `FLEETWATCH_AMQP_URL`. User, password and vhost are percent-decoded, so the default vhost `/`
/// is written `%2f`. `amqps://` turns TLS on with the files in its query (`AMQPTLS`); other query parameters are
/// accepted and ignored.
public struct AMQPURL: Sendable, Equatable, CustomStringConvertible {
    /// The environment variable every Fleetwatch process reads the broker address from.
    public static let environmentVariable = "FLEETWATCH_AMQP_URL"
    /// The broker of a local development setup.
    public static let defaultURL = "amqp://guest:guest@127.0.0.1:5672/%2f"

    public var user: String
    public var password: String
    public var host: String
    public var port: Int
    public var vhost: String
    /// `amqps://`: TLS with these files (`AMQPTLS`); nil for plain `amqp://`.
    public var tls: AMQPTLS?

    public init(
        user: String = "guest", password: String = "guest", host: String = "127.0.0.1", port: Int = 5672,
        vhost: String = "/"
    ) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.vhost = vhost
    }

    /// Parses `amqp://user:pass@host:port/vhost`; user and password default to guest, the port to
    /// 5672 and the vhost to `/`. `variable` names the setting in error messages.
    public init(parsing text: String, variable: String = AMQPURL.environmentVariable) throws(AMQPURLError) {
        func fail(_ reason: String) -> AMQPURLError { AMQPURLError(variable: variable, value: text, reason: reason) }

        let trimmed = text.trimmingASCIIWhitespace()
        guard let schemeEnd = trimmed.firstRange(of: "://") else { throw fail("missing the amqp:// scheme") }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "amqp" || scheme == "amqps" else { throw fail("unsupported scheme '\(scheme)'") }
        var rest = trimmed[schemeEnd.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            if rest[mark] == "?" { query = rest[rest.index(after: mark)...].prefix(while: { $0 != "#" }) }
            rest = rest[..<mark]
        }
        var tls: AMQPTLS?
        if scheme == "amqps" {
            do {
                tls = try AMQPTLS.parse(query: query)
            } catch {
                throw fail(error.reason)
            }
        }

        let authority: Substring
        var vhostPart: Substring?
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            vhostPart = rest[rest.index(after: slash)...]
        } else {
            authority = rest
        }

        var user = "guest"
        var password = "guest"
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.percentDecoded(userInfo[..<colon]).orThrow(fail("invalid percent-encoding in the user"))
                password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
                    .orThrow(fail("invalid percent-encoding in the password"))
            } else {
                user = try Self.percentDecoded(userInfo).orThrow(fail("invalid percent-encoding in the user"))
                password = ""
            }
        }

        let host: Substring
        let portText: Substring?
        do {
            (host, portText) = try HostPort.split(hostPort)
        } catch {
            switch error {
            case .unterminatedIPv6: throw fail("unterminated IPv6 address")
            case .unexpectedAfterIPv6(let after): throw fail("unexpected '\(after)' after the IPv6 address")
            }
        }
        guard !host.isEmpty else { throw fail("missing host") }

        var port = tls == nil ? 5672 : 5671
        if let portText, !portText.isEmpty {
            guard let value = HostPort.port(portText) else {
                throw fail("port '\(portText)' is not a number between 1 and 65535")
            }
            port = value
        }

        var vhost = "/"
        if let vhostPart, !vhostPart.isEmpty {
            guard !vhostPart.contains("/") else { throw fail("a '/' in the vhost must be written %2f") }
            vhost = try Self.percentDecoded(vhostPart).orThrow(fail("invalid percent-encoding in the vhost"))
        }
        self.init(user: user, password: password, host: String(host), port: port, vhost: vhost)
        self.tls = tls
    }

    /// Reads `FLEETWATCH_AMQP_URL` from `environment`, falling back to `defaultURL` when unset or empty.
    public static func fromEnvironment(_ environment: [String: String]) throws(AMQPURLError) -> AMQPURL {
        let value = environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultURL
        return try AMQPURL(parsing: value)
    }

    /// The URL with the password masked, safe for logs.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(tls == nil ? "amqp" : "amqps")://\(Self.percentEncoded(user)):***@\(hostPart):\(port)/\(Self.percentEncoded(vhost))"
    }

    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `FLEETWATCH_AMQP_URL` (or another setting) does not hold a usable AMQP URL; the message names the
/// variable, the expected form and what was wrong.
public struct AMQPURLError: Error, Equatable, CustomStringConvertible {
    /// The setting the value came from, e.g. FLEETWATCH_AMQP_URL.
    public var variable: String
    /// The value as given.
    public var value: String
    /// What is wrong with it.
    public var reason: String

    public var description: String {
        "\(variable): expected amqp://user:pass@host:port/vhost (e.g. \(AMQPURL.defaultURL)), got '\(Redaction.url(value))': \(reason)"
    }
}

extension Optional {
    fileprivate func orThrow<E: Error>(_ error: @autoclosure () -> E) throws(E) -> Wrapped {
        guard let value = self else { throw error() }
        return value
    }
}

extension String {
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[first...last]
    }
}
