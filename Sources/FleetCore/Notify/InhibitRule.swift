/// One of Alertmanager's `inhibit_rules`: while an alert matching `sourceMatchers` fires, the notifications of
/// alerts matching `targetMatchers` that have the same values for the `equal` labels are held back (a machine
/// that is down need not also page for each of its disks). A label missing on both sides counts as equal (the
/// empty string), as a missing label does in a matcher.
public struct InhibitRule: Sendable, Equatable {
    /// All must hold for a firing alert to inhibit others; at least one.
    public var sourceMatchers: [LabelMatcher]
    /// All must hold for an alert to be inhibited; at least one.
    public var targetMatchers: [LabelMatcher]
    /// Label names whose values the source and the target must share.
    public var equal: [String]

    public init(sourceMatchers: [LabelMatcher], targetMatchers: [LabelMatcher], equal: [String] = []) {
        self.sourceMatchers = sourceMatchers
        self.targetMatchers = targetMatchers
        self.equal = equal
    }

    /// Whether an alert with `labels` can inhibit others under this rule.
    public func isSource(_ labels: [String: String]) -> Bool {
        sourceMatchers.matchAll(labels)
    }

    /// Whether an alert with `labels` can be inhibited under this rule.
    public func isTarget(_ labels: [String: String]) -> Bool {
        targetMatchers.matchAll(labels)
    }

    /// The values of the `equal` labels, as one key: a source and a target with the same key may pair.
    func equalKey(_ labels: [String: String]) -> [String] {
        equal.map { labels[$0] ?? "" }
    }
}
