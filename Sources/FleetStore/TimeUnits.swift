import Foundation

/// Time as both stores key it: whole milliseconds since 1970 (rounded down, so an instant never lands in the
/// next bucket) and durations in whole milliseconds.
extension Date {
    /// Whole milliseconds since 1970, rounded down.
    public var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The instant `milliseconds` after 1970 began.
    public init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

extension Duration {
    /// The duration in whole milliseconds (sub-millisecond parts dropped).
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
