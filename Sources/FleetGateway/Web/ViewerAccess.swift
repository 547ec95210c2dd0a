import Crypto
import Foundation

/// Who may read the fleet through the gateway: with no viewer token configured (the default, meant for loopback),
/// anyone who reaches the port; with one or more (FLEETWATCH_VIEWER_TOKEN, comma-separated for rotation), only a
/// request that carries one as `Authorization: Bearer …`, or the session cookie a browser gets for one from
/// `POST /api/v1/session`.
///
/// The cookie holds an expiry and an HMAC-SHA256 of it keyed by a hash of the token, so it reveals nothing about the
/// token, every replica with the same token accepts it, and replacing the token ends every session made with it.
public struct ViewerAccess: Sendable {
    /// The session cookie's name.
    public static let cookieName = "fleetwatch_session"
    /// How long a browser session lasts.
    public static let sessionLifetime: Duration = .seconds(7 * 86_400)

    private let tokens: [String]
    private let keys: [SymmetricKey]

    public init(tokens: [String] = []) {
        self.tokens = tokens.filter { !$0.isEmpty }
        self.keys = self.tokens.map { token in
            SymmetricKey(data: SHA256.hash(data: Data(("fleetwatch viewer session v1:" + token).utf8)))
        }
    }

    /// Whether reads need a token at all.
    public var isRequired: Bool { !tokens.isEmpty }

    /// Whether `token` is one of the viewer tokens (in constant time per token).
    public func accepts(token: String) -> Bool {
        let offered = Array(token.utf8)
        var match = false
        for token in tokens {
            let expected = Array(token.utf8)
            var difference = UInt8(expected.count == offered.count ? 0 : 1)
            for index in 0..<expected.count {
                difference |= expected[index] ^ (index < offered.count ? offered[index] : 0)
            }
            if difference == 0 { match = true }
        }
        return match
    }

    /// Whether a request with these headers may read.
    public func admits(authorization: String?, cookie: String?, nowMs: Int64) -> Bool {
        guard isRequired else { return true }
        if let authorization, authorization.hasPrefix("Bearer "), accepts(token: String(authorization.dropFirst(7))) {
            return true
        }
        guard let session = Self.cookie(named: Self.cookieName, in: cookie) else { return false }
        return validates(session: session, nowMs: nowMs)
    }

    /// A session value for `token` valid until `nowMs` plus the session lifetime; nil for a token that is not a
    /// viewer token.
    public func session(for token: String, nowMs: Int64) -> String? {
        guard let index = tokens.firstIndex(where: { ViewerAccess(tokens: [$0]).accepts(token: token) }) else { return nil }
        let expires = nowMs + Int64(Self.sessionLifetime / .milliseconds(1))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(expires)".utf8), using: keys[index])
        return "\(expires).\(Data(mac).base64URL)"
    }

    func validates(session: String, nowMs: Int64) -> Bool {
        let parts = session.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let expires = Int64(parts[0]), expires > nowMs,
              let mac = Data(base64URL: String(parts[1]))
        else { return false }
        return keys.contains { HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(parts[0].utf8), using: $0) }
    }

    /// The value of cookie `name` in a Cookie header (`a=1; fleetwatch_session=…`).
    static func cookie(named name: String, in header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            if trimmed.hasPrefix(name + "=") { return String(trimmed.dropFirst(name.count + 1)) }
        }
        return nil
    }
}

extension Data {
    fileprivate var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    fileprivate init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
