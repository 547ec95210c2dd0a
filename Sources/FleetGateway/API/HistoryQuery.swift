import FleetCore
import Foundation

/// The validated parameters of a history request (docs/api.md): which series, which range, which step.
/// Parsing is pure, so every rule about bad input is unit-tested without a server.
public struct HistoryQuery: Sendable, Equatable {
    public var metric: String
    public var labels: [String: String]
    public var from: Date
    public var to: Date
    public var step: Duration?

    public static let defaultRange = Duration.seconds(3600)
    public static let maxRange = Duration.seconds(400 * 86_400)
    public static let maxPoints = 10_000

    public init(metric: String, labels: [String: String], from: Date, to: Date, step: Duration?) {
        self.metric = metric
        self.labels = labels
        self.from = from
        self.to = to
        self.step = step
    }

    /// - Parameter values: every value given for a query parameter name (empty when absent).
    public static func parse(_ values: (String) -> [String], now: Date) throws(APIError) -> HistoryQuery {
        func single(_ name: String) throws(APIError) -> String? {
            let given = values(name)
            guard given.count <= 1 else { throw .badParameter(name, "\(name) may be given once") }
            return given.first.flatMap { $0.isEmpty ? nil : $0 }
        }

        guard let metric = try single("metric") else {
            throw .badParameter("metric", "metric is required, e.g. metric=cpu.usage_percent")
        }
        guard MetricName.all.contains(metric) else {
            throw .badParameter(
                "metric", "unknown metric '\(metric)'; known: \(MetricName.all.sorted().joined(separator: ", "))")
        }

        var labels: [String: String] = [:]
        for matcher in values("label") {
            guard let colon = matcher.firstIndex(of: ":"), colon != matcher.startIndex else {
                throw .badParameter("label", "label must be name:value, e.g. label=cpu:total (got '\(matcher)')")
            }
            let name = String(matcher[..<colon])
            guard labels[name] == nil else { throw .badParameter("label", "label '\(name)' is given twice") }
            labels[name] = String(matcher[matcher.index(after: colon)...])
        }

        let to = try single("to").map { text throws(APIError) in try time(text, parameter: "to") } ?? now
        var range = defaultRange
        if let text = try single("range") {
            guard let parsed = DurationText.parse(text), parsed > .zero else {
                throw .badParameter("range", "range must be a duration such as 1h, 6h, 24h, 7d or 30d (got '\(text)')")
            }
            range = parsed
        }
        let from = try single("from").map { text throws(APIError) in try time(text, parameter: "from") }
            ?? to.addingTimeInterval(-seconds(range))
        guard from < to else { throw .badParameter("from", "from must be before to") }
        guard to.timeIntervalSince(from) <= seconds(maxRange) else {
            throw .badParameter("range", "a history range may span at most \(DurationText.format(maxRange))")
        }

        var step: Duration?
        if let text = try single("step") {
            guard let parsed = DurationText.parse(text), parsed >= .seconds(1) else {
                throw .badParameter("step", "step must be a duration of at least 1s, such as 10s, 5m or 1h (got '\(text)')")
            }
            let points = to.timeIntervalSince(from) / seconds(parsed)
            guard points <= Double(maxPoints) else {
                throw .badParameter(
                    "step", "step \(text) would give \(Int(points)) points; at most \(maxPoints) are answered")
            }
            step = parsed
        }
        return HistoryQuery(metric: metric, labels: labels, from: from, to: to, step: step)
    }

    /// Milliseconds since 1970, or RFC 3339 with or without fractional seconds.
    static func time(_ text: String, parameter: String) throws(APIError) -> Date {
        if let ms = Int64(text) { return Date(timeIntervalSince1970: Double(ms) / 1000) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        throw .badParameter(
            parameter, "\(parameter) must be milliseconds since 1970 or RFC 3339 like 2026-11-27T10:00:00Z (got '\(text)')")
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
