#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: keeps ICU out of the static agent (issue 14)
#else
    import Foundation
#endif

/// A threshold rule (DESIGN.md): "`metric` `comparator` `threshold` for `forDuration`" on every series whose
/// labels match, per machine, with an optional resolve threshold (hysteresis); or a no-data rule that fires when
/// a matching machine has been silent for `silence`.
public struct AlertRule: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable, Codable {
        case threshold(Threshold)
        case noData(silence: Duration)
    }

    public struct Threshold: Sendable, Equatable, Codable {
        public var metric: String
        public var comparator: Comparator
        public var value: Double
        /// Firing resolves only once the value is back past this (default: `value`): no flapping around the line.
        public var resolveValue: Double?

        public init(metric: String, comparator: Comparator, value: Double, resolveValue: Double? = nil) {
            self.metric = metric
            self.comparator = comparator
            self.value = value
            self.resolveValue = resolveValue
        }
    }

    public enum Comparator: String, Sendable, Codable, CaseIterable {
        case greaterThan = ">"
        case greaterOrEqual = ">="
        case lessThan = "<"
        case lessOrEqual = "<="

        public func holds(_ value: Double, _ threshold: Double) -> Bool {
            switch self {
            case .greaterThan: value > threshold
            case .greaterOrEqual: value >= threshold
            case .lessThan: value < threshold
            case .lessOrEqual: value <= threshold
            }
        }

        /// True when `resolve` lies on the safe side of `threshold` (or on it).
        func isSafeSide(_ resolve: Double, of threshold: Double) -> Bool {
            switch self {
            case .greaterThan, .greaterOrEqual: resolve <= threshold
            case .lessThan, .lessOrEqual: resolve >= threshold
            }
        }
    }

    public enum Severity: String, Sendable, Codable, CaseIterable {
        case info
        case warning
        case critical
    }

    public var id: String
    public var name: String
    public var kind: Kind
    /// Label matchers; the key `machine` matches the machine id. Empty: every series of every machine.
    public var matchers: [String: String]
    public var forDuration: Duration
    public var severity: Severity
    /// Text of notifications; `{{machine}}`, `{{hostname}}`, `{{value}}`, `{{threshold}}`, `{{labels}}` are filled in.
    public var description: String
    public var enabled: Bool
    /// Optimistic concurrency: every update names the version it read and gets the next one.
    public var version: Int64

    public init(
        id: String, name: String, kind: Kind, matchers: [String: String] = [:], forDuration: Duration = .zero,
        severity: Severity = .warning, description: String = "", enabled: Bool = true, version: Int64 = 1
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.matchers = matchers
        self.forDuration = forDuration
        self.severity = severity
        self.description = description
        self.enabled = enabled
        self.version = version
    }

    /// True when a series of `machine` with `labels` is one this rule watches.
    public func matches(machine: String, labels: [String: String]) -> Bool {
        matchers.allSatisfy { key, expected in
            key == "machine" ? machine == expected : labels[key] == expected
        }
    }

    /// `description` with the placeholders filled in.
    public func render(machine: String, hostname: String, value: Double?, labels: [String: String]) -> String {
        let template = description.isEmpty ? defaultDescription : description
        var text = template
        let threshold: String
        switch kind {
        case .threshold(let t): threshold = Self.format(t.value)
        case .noData(let silence): threshold = "\(silence.components.seconds)s"
        }
        for (placeholder, replacement) in [
            ("{{machine}}", machine), ("{{hostname}}", hostname), ("{{value}}", value.map(Self.format) ?? "no data"),
            ("{{threshold}}", threshold), ("{{labels}}", LabelSet.key(labels)),
        ] {
            text = text.replacingAll(placeholder, with: replacement)
        }
        return text
    }

    private var defaultDescription: String {
        switch kind {
        case .threshold(let t): "\(name): \(t.metric) {{labels}} is {{value}} (\(t.comparator.rawValue) {{threshold}}) on {{hostname}}"
        case .noData: "\(name): no data from {{hostname}} for {{threshold}}"
        }
    }

    static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String((value * 100).rounded() / 100)
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
