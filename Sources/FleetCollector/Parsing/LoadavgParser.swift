/// The three load averages of /proc/loadavg.
public struct LoadAverage: Sendable, Equatable {
    public var one: Double
    public var five: Double
    public var fifteen: Double

    public init(one: Double, five: Double, fifteen: Double) {
        self.one = one
        self.five = five
        self.fifteen = fifteen
    }
}

/// Parses /proc/loadavg ("0.52 0.58 0.59 1/467 12345").
public enum LoadavgParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> LoadAverage? {
        var scanner = ByteScanner(bytes)
        guard let one = scanner.decimal(), let five = scanner.decimal(), let fifteen = scanner.decimal() else {
            return nil
        }
        return LoadAverage(one: one, five: five, fifteen: fifteen)
    }

    public static func parse(_ text: String) -> LoadAverage? {
        text.withBytes { parse($0) }
    }
}
