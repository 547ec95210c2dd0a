/// Which pages may open the live WebSocket. Browsers send the page's origin with the upgrade request and let any
/// site open a WebSocket to any address (the same-origin policy does not cover them), so without this check a
/// page on another site could read the fleet's live data through a user's browser. Allowed: requests without
/// an Origin or with a ws(s) one (scripts, `fleetwatch probe`: no browser sends those), the gateway's own origin
/// (Origin's host:port equals the Host header),
/// and the origins listed in FLEETWATCH_ALLOWED_ORIGINS (`*` allows every origin).
public struct OriginPolicy: Sendable, Equatable {
    /// Extra origins, as browsers write them: `https://dash.example.com`, `http://10.0.0.5:8080`.
    public var allowed: Set<String>

    public init(allowed: [String] = []) {
        self.allowed = Set(allowed.map(Self.normalized))
    }

    /// Parses FLEETWATCH_ALLOWED_ORIGINS: comma-separated origins, or `*`. Nil with the reason for a malformed entry.
    public static func parse(_ text: String) -> Result<OriginPolicy, OriginPolicyError> {
        let entries = text.split(separator: ",").map { entry in
            var entry = entry.trimmingCharacters(in: " ")
            while entry.hasSuffix("/") && entry.count > "https://".count { entry.removeLast() }
            return entry
        }.filter { !$0.isEmpty }
        for entry in entries where entry != "*" {
            guard entry.hasPrefix("http://") || entry.hasPrefix("https://"),
                  !entry.dropFirst(entry.hasPrefix("https://") ? 8 : 7).isEmpty,
                  !entry.dropFirst(8).contains("/")
            else {
                return .failure(OriginPolicyError(entry: entry))
            }
        }
        return .success(OriginPolicy(allowed: entries))
    }

    /// Whether a WebSocket upgrade with this Origin and Host header may proceed.
    public func allows(origin: String?, host: String?) -> Bool {
        guard let origin, !origin.isEmpty else { return true }
        let normalized = Self.normalized(origin)
        if allowed.contains("*") || allowed.contains(normalized) { return true }
        // A page's origin is http(s) (or "null"): a ws(s) one comes from a WebSocket client that is no browser
        // (`fleetwatch probe`'s sends `ws://host` of its URL), which the check is not about.
        if normalized.hasPrefix("ws://") || normalized.hasPrefix("wss://") { return true }
        guard let host = host.map(Self.normalized), !host.isEmpty else { return false }
        return normalized == "http://" + host || normalized == "https://" + host
    }

    private static func normalized(_ text: String) -> String {
        var text = text.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}

/// An entry of FLEETWATCH_ALLOWED_ORIGINS that is not an origin.
public struct OriginPolicyError: Error, Equatable, CustomStringConvertible {
    public var entry: String

    public init(entry: String) { self.entry = entry }

    public var description: String {
        "'\(entry)' is not an origin: write scheme://host[:port], e.g. https://dash.example.com, or * for any"
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = self
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
