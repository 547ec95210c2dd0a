/// Durations as people write them in flags and query parameters: `500ms`, `10s`, `5m`, `1h`, `7d`,
/// or a plain number of seconds where the caller allows it (service settings, query parameters; the CLI's client
/// commands require the unit, docs/cli.md).
public enum DurationText {
    /// Nil when `text` is not a non-negative whole number followed by a unit, which is optional (then seconds)
    /// unless `requiringUnit`.
    public static func parse(_ text: String, requiringUnit: Bool = false) -> Duration? {
        let trimmed = text.trimmingPrefixAndSuffixSpaces
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12, let amount = Int64(digits) else { return nil }
        switch trimmed.dropFirst(digits.count) {
        case "ms": return .milliseconds(amount)
        case "": return requiringUnit ? nil : .seconds(amount)
        case "s": return .seconds(amount)
        case "m": return .seconds(amount * 60)
        case "h": return .seconds(amount * 3600)
        case "d": return .seconds(amount * 86_400)
        default: return nil
        }
    }

    /// The shortest exact spelling: 90 s → "90s", 3600 s → "1h".
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds != 0 || seconds == 0 { return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms" }
        for (unit, width) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % width == 0 {
            return "\(seconds / width)\(unit)"
        }
        return "\(seconds)s"
    }
}

extension String {
    fileprivate var trimmingPrefixAndSuffixSpaces: Substring {
        let start = firstIndex { $0 != " " } ?? endIndex
        let end = lastIndex { $0 != " " }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
