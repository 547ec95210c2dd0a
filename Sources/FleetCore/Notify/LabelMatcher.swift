/// One condition on a label set, as Alertmanager writes it: `name=value`, `name!=value`, `name=~regex`,
/// `name!~regex`. A missing label matches as the empty string, so `env!=prod` holds for a machine without `env`.
/// Regular expressions are anchored: `host=~web.*` matches `web-1`, not `old-web-1`.
public struct LabelMatcher: Sendable, Hashable, CustomStringConvertible {
    /// How the label's value is compared.
    public enum Operator: String, Sendable, CaseIterable, Codable {
        case equal = "="
        case notEqual = "!="
        case matchesRegex = "=~"
        case doesNotMatchRegex = "!~"
    }

    public let name: String
    public let op: Operator
    public let value: String
    private let pattern: AnchoredPattern?

    /// Longest label name and value accepted in a matcher, in bytes.
    public static let maxNameBytes = 128
    public static let maxValueBytes = 1024

    /// Throws `ValidationError` for an empty or too long name or value, or a regular expression that does not
    /// compile.
    public init(name: String, op: Operator, value: String) throws(ValidationError) {
        guard !name.isEmpty, name.utf8.count <= Self.maxNameBytes else {
            throw ValidationError("matcher", "label name must be 1-\(Self.maxNameBytes) bytes")
        }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }) else {
            throw ValidationError("matcher", "label name '\(name)' may hold only letters, digits, '_', '.' and '-'")
        }
        guard value.utf8.count <= Self.maxValueBytes else {
            throw ValidationError("matcher", "value for '\(name)' is longer than \(Self.maxValueBytes) bytes")
        }
        self.name = name
        self.op = op
        self.value = value
        switch op {
        case .equal, .notEqual:
            pattern = nil
        case .matchesRegex, .doesNotMatchRegex:
            pattern = try AnchoredPattern(value, label: name)
        }
    }

    /// Parses `name=value`, `name!=value`, `name=~regex` or `name!~regex`; the value may be double-quoted.
    public init(parsing text: String) throws(ValidationError) {
        let scalars = Array(text)
        guard let index = scalars.firstIndex(where: { $0 == "=" || $0 == "!" }) else {
            throw ValidationError("matcher", "'\(text)' needs an operator: name=value, name!=value, name=~regex or name!~regex")
        }
        let name = String(scalars[..<index]).trimmingSpaces()
        let rest = scalars[index...]
        let op: Operator
        if rest.starts(with: "=~") { op = .matchesRegex }
        else if rest.starts(with: "!~") { op = .doesNotMatchRegex }
        else if rest.starts(with: "!=") { op = .notEqual }
        else if rest.starts(with: "=") { op = .equal }
        else {
            throw ValidationError("matcher", "'\(text)' needs an operator: name=value, name!=value, name=~regex or name!~regex")
        }
        var value = String(rest.dropFirst(op.rawValue.count)).trimmingSpaces()
        if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
        try self.init(name: name, op: op, value: value)
    }

    /// Whether `labels` satisfy this matcher (a missing label is the empty string).
    public func matches(_ labels: [String: String]) -> Bool {
        let actual = labels[name] ?? ""
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .matchesRegex: return pattern?.matches(actual) ?? false
        case .doesNotMatchRegex: return !(pattern?.matches(actual) ?? false)
        }
    }

    public var description: String { "\(name)\(op.rawValue)\"\(value)\"" }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(op)
        hasher.combine(value)
    }
}

extension Array where Element == LabelMatcher {
    /// All matchers hold (an empty list matches everything).
    public func matchAll(_ labels: [String: String]) -> Bool {
        allSatisfy { $0.matches(labels) }
    }
}

/// A regular expression that must match a whole value.
private struct AnchoredPattern: @unchecked Sendable {
    // Regex is immutable once built; `wholeMatch` does not mutate it.
    let regex: Regex<AnyRegexOutput>

    init(_ source: String, label: String) throws(ValidationError) {
        do {
            regex = try Regex(source)
        } catch {
            throw ValidationError("matcher", "regex for '\(label)' does not compile: \(source)")
        }
    }

    func matches(_ value: String) -> Bool {
        (try? regex.wholeMatch(in: value)) != nil
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
