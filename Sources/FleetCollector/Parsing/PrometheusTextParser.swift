/// One sample line of the Prometheus text exposition format: `name{label="value",…} value [timestamp]`.
public struct PrometheusSample: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var value: Double
    /// Milliseconds since 1970, when the exporter stamped the sample (rare; node_exporter does not).
    public var timestampMs: Int64?

    public init(name: String, labels: [String: String] = [:], value: Double, timestampMs: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMs = timestampMs
    }
}

/// What one scrape said: its finite samples in order, the `# TYPE` and `# HELP` of each family, and what was left
/// out — non-finite values (NaN, ±Inf: a series with no usable value now) and lines that are not the format.
public struct PrometheusExposition: Sendable, Equatable {
    public var samples: [PrometheusSample] = []
    /// `# TYPE` by family name: counter, gauge, histogram, summary, untyped.
    public var types: [String: String] = [:]
    public var help: [String: String] = [:]
    /// Samples dropped because their value was NaN or ±Inf.
    public var droppedNonFinite = 0
    /// Lines that could not be read, as "line N: reason" (at most `PrometheusTextParser.maxReportedProblems`).
    public var problems: [String] = []
    /// How many lines could not be read in all.
    public var malformedLines = 0

    public init() {}
}

/// A parser of the Prometheus text exposition format (version 0.0.4), pure and forgiving: a line it cannot read is
/// counted and reported, and the rest of the scrape is kept.
public enum PrometheusTextParser {
    /// How many malformed lines are described in `problems`.
    public static let maxReportedProblems = 10

    public static func parse(_ text: String) -> PrometheusExposition {
        var exposition = PrometheusExposition()
        var lineNumber = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var scanner = LineScanner(Array(line))
            scanner.skipSpaces()
            if scanner.atEnd { continue }
            do {
                if scanner.peek == UInt8(ascii: "#") {
                    try readComment(&scanner, into: &exposition)
                } else {
                    let sample = try readSample(&scanner)
                    if sample.value.isFinite {
                        exposition.samples.append(sample)
                    } else {
                        exposition.droppedNonFinite += 1
                    }
                }
            } catch {
                exposition.malformedLines += 1
                if exposition.problems.count < maxReportedProblems {
                    exposition.problems.append("line \(lineNumber): \(error.reason)")
                }
            }
        }
        return exposition
    }

    /// `# HELP name text`, `# TYPE name type`; any other comment is ignored.
    private static func readComment(_ scanner: inout LineScanner, into exposition: inout PrometheusExposition) throws(Malformed) {
        scanner.advance()
        scanner.skipSpaces()
        let keyword = scanner.word()
        guard keyword == "HELP" || keyword == "TYPE" else { return }
        scanner.skipSpaces()
        let name = scanner.metricName()
        guard !name.isEmpty else { throw Malformed("# \(keyword) without a metric name") }
        scanner.skipSpaces()
        if keyword == "TYPE" {
            let type = scanner.word()
            guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(type) else {
                throw Malformed("# TYPE \(name): unknown type '\(type.prefix(40))'")
            }
            exposition.types[name] = type
        } else {
            exposition.help[name] = unescapeHelp(scanner.rest())
        }
    }

    private static func readSample(_ scanner: inout LineScanner) throws(Malformed) -> PrometheusSample {
        let name = scanner.metricName()
        guard !name.isEmpty else { throw Malformed("expected a metric name") }
        var labels: [String: String] = [:]
        scanner.skipSpaces()
        if scanner.peek == UInt8(ascii: "{") {
            scanner.advance()
            while true {
                scanner.skipSpaces()
                if scanner.peek == UInt8(ascii: "}") {
                    scanner.advance()
                    break
                }
                let label = scanner.labelName()
                guard !label.isEmpty else { throw Malformed("\(name): expected a label name") }
                scanner.skipSpaces()
                guard scanner.peek == UInt8(ascii: "=") else { throw Malformed("\(name): expected '=' after \(label)") }
                scanner.advance()
                scanner.skipSpaces()
                labels[label] = try scanner.quoted(context: "\(name){\(label)}")
                scanner.skipSpaces()
                if scanner.peek == UInt8(ascii: ",") {
                    scanner.advance()
                } else if scanner.peek != UInt8(ascii: "}") {
                    throw Malformed("\(name): expected ',' or '}' after the value of \(label)")
                }
            }
        }
        scanner.skipSpaces()
        let valueText = scanner.word()
        guard let value = parseValue(valueText) else {
            throw Malformed("\(name): value '\(valueText.prefix(40))' is not a number")
        }
        scanner.skipSpaces()
        var timestamp: Int64?
        if !scanner.atEnd {
            let text = scanner.word()
            guard let ms = Int64(text) else { throw Malformed("\(name): timestamp '\(text.prefix(40))' is not an integer") }
            timestamp = ms
            scanner.skipSpaces()
            guard scanner.atEnd else { throw Malformed("\(name): unexpected text after the timestamp") }
        }
        return PrometheusSample(name: name, labels: labels, value: value, timestampMs: timestamp)
    }

    /// Go's ParseFloat spellings as Prometheus writes them: decimals, exponents, NaN, +Inf, -Inf.
    static func parseValue(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "+inf", "inf": return .infinity
        case "-inf": return -.infinity
        default: return text.isEmpty ? nil : Double(text)
        }
    }

    /// HELP text escapes only backslash and newline.
    private static func unescapeHelp(_ text: String) -> String {
        guard text.contains("\\" as Character) else { return text }
        var out = ""
        var escaped = false
        for character in text {
            if escaped {
                out.append(character == "n" ? "\n" : character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        if escaped { out.append("\\") }
        return out
    }

    struct Malformed: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Reads one line's bytes.
    private struct LineScanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) {
            // A file written on Windows ends its lines with \r\n.
            self.bytes = bytes.last == UInt8(ascii: "\r") ? Array(bytes.dropLast()) : bytes
        }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }
        mutating func advance() { index += 1 }

        mutating func skipSpaces() {
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
        }

        /// Up to the next space or tab.
        mutating func word() -> String {
            let start = index
            while let byte = peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func rest() -> String {
            defer { index = bytes.count }
            return String(decoding: bytes[index...], as: UTF8.self)
        }

        /// [a-zA-Z_:][a-zA-Z0-9_:]*
        mutating func metricName() -> String { identifier(allowingColon: true) }

        /// [a-zA-Z_][a-zA-Z0-9_]*
        mutating func labelName() -> String { identifier(allowingColon: false) }

        private mutating func identifier(allowingColon: Bool) -> String {
            let start = index
            while let byte = peek {
                let letter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
                let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                let allowed =
                    letter || byte == UInt8(ascii: "_") || (allowingColon && byte == UInt8(ascii: ":"))
                    || (digit && index > start)
                guard allowed else { break }
                index += 1
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// A double-quoted label value with the escapes \\, \" and \n.
        mutating func quoted(context: String) throws(Malformed) -> String {
            guard peek == UInt8(ascii: "\"") else { throw Malformed("\(context): expected a quoted value") }
            advance()
            var out: [UInt8] = []
            while let byte = peek {
                advance()
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let next = peek else { break }
                    advance()
                    switch next {
                    case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                    case UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(next)
                    default: throw Malformed("\(context): unknown escape '\\\(Character(UnicodeScalar(next)))'")
                    }
                default:
                    out.append(byte)
                }
            }
            throw Malformed("\(context): the quoted value is not closed")
        }
    }
}
