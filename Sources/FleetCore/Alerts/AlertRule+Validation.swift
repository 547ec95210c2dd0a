/// Why a rule is refused, naming the field at fault (the config service answers INVALID_ARGUMENT with it).
public struct RuleError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

extension AlertRule {
    public static let maxNameLength = 200
    public static let maxDescriptionLength = 2000
    public static let maxMatchers = 16
    public static let maxForDuration = Duration.seconds(86_400)
    public static let noDataRange = Duration.seconds(10)...Duration.seconds(86_400)

    /// Checks every field; throws the first problem.
    public func validate() throws(RuleError) {
        guard !name.trimmingSpaces.isEmpty, name.count <= Self.maxNameLength else {
            throw RuleError(field: "name", "must be 1 to \(Self.maxNameLength) characters")
        }
        switch kind {
        case .threshold(let threshold):
            guard MetricName.all.contains(threshold.metric) else {
                throw RuleError(field: "metric", "unknown metric '\(threshold.metric)'; known: \(MetricName.all.sorted().joined(separator: ", "))")
            }
            guard threshold.value.isFinite else { throw RuleError(field: "threshold", "must be a finite number") }
            if let resolve = threshold.resolveValue {
                guard resolve.isFinite else { throw RuleError(field: "resolve_threshold", "must be a finite number") }
                guard threshold.comparator.isSafeSide(resolve, of: threshold.value) else {
                    throw RuleError(
                        field: "resolve_threshold",
                        "must be on the resolved side of the threshold (\(threshold.comparator.rawValue) \(Self.format(threshold.value)) fires, so resolve at or \(threshold.comparator.isSafeSide(threshold.value - 1, of: threshold.value) ? "below" : "above") it)")
                }
            }
        case .noData(let silence):
            guard Self.noDataRange.contains(silence) else {
                throw RuleError(field: "no_data_seconds", "must be between 10 and 86400 seconds")
            }
        }
        guard forDuration >= .zero, forDuration <= Self.maxForDuration else {
            throw RuleError(field: "for_seconds", "must be between 0 and 86400 seconds")
        }
        guard matchers.count <= Self.maxMatchers else {
            throw RuleError(field: "matchers", "at most \(Self.maxMatchers) label matchers")
        }
        for (key, value) in matchers {
            guard !key.isEmpty, key.count <= 64, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw RuleError(field: "matchers", "label names are letters, digits and _ (got '\(key)')")
            }
            guard value.count <= 256 else { throw RuleError(field: "matchers", "a label value may have at most 256 characters") }
        }
        guard description.count <= Self.maxDescriptionLength else {
            throw RuleError(field: "description", "at most \(Self.maxDescriptionLength) characters")
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        return self[start...]
    }
}
