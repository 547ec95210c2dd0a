/// W3C trace context (`traceparent: 00-<trace id>-<parent id>-<flags>`) for the places that start a trace
/// without linking a tracer: the portable collector starts one per batch, and the services continue it
/// (their tracer takes the value as the remote parent of their spans).
public enum TraceParent {
    public static let header = "traceparent"

    /// A new sampled context with random ids.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> String {
        "00-\(hex(generator.next(), generator.next()))-\(hex(generator.next()))-01"
    }

    /// True for a well-formed version-00 value with non-zero ids.
    public static func isValid(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2 else {
            return false
        }
        let hexDigits = Set("0123456789abcdef")
        return parts.dropFirst().allSatisfy { $0.allSatisfy(hexDigits.contains) }
            && parts[1].contains { $0 != "0" } && parts[2].contains { $0 != "0" }
    }

    private static func hex(_ words: UInt64...) -> String {
        words.map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
