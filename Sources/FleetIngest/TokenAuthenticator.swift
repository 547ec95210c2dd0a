/// Checks the collector token sent as `authorization: Bearer <token>`, in constant time.
public struct TokenAuthenticator: Sendable {
    private let tokens: [[UInt8]]

    /// `tokens`: every token that may publish (rotation: old and new side by side).
    public init(tokens: [String]) {
        self.tokens = tokens.filter { !$0.isEmpty }.map { Array($0.utf8) }
    }

    /// Whether the `authorization` header value carries a known token.
    public func accepts(authorization: String?) -> Bool {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let presented = Array(authorization.utf8.dropFirst(7))
        var matched = false
        for token in tokens where Self.constantTimeEqual(token, presented) { matched = true }
        return matched
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
