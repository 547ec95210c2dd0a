/// Decides which alerts are inhibited (`InhibitRule`), from the firing alerts it was shown — Alertmanager's
/// inhibitor without its clock: the caller tells it each alert's latest status (`observe`) and asks before a
/// notification goes out (`inhibitors(of:)`).
///
/// - An alert never inhibits itself.
/// - A firing alert that matches both the source and the target side of a rule does not inhibit another alert
///   that matches both sides too (as in Alertmanager), so two such alerts never mute each other.
/// - A resolved alert stops inhibiting at once; an alert it held back is told at its group's next look.
public struct Inhibitor: Sendable {
    public let rules: [InhibitRule]
    /// Per rule: equal-label values → ids of the firing source alerts with them, and whether each is a target too.
    private var sources: [[[String]: [String: Bool]]]
    /// Where each firing source alert is filed: (rule index, equal key).
    private var filed: [String: [(rule: Int, key: [String])]] = [:]

    public init(rules: [InhibitRule] = []) {
        self.rules = rules
        sources = Array(repeating: [:], count: rules.count)
    }

    /// How many firing alerts can inhibit others now.
    public var sourceCount: Int { filed.count }

    /// Takes an alert's latest status: a firing one that matches a rule's source side starts inhibiting, anything
    /// else (resolved, pending) stops.
    public mutating func observe(id: String, labels: [String: String], firing: Bool) {
        forget(id)
        guard firing else { return }
        var places: [(rule: Int, key: [String])] = []
        for (index, rule) in rules.enumerated() where rule.isSource(labels) {
            let key = rule.equalKey(labels)
            sources[index][key, default: [:]][id] = rule.isTarget(labels)
            places.append((index, key))
        }
        if !places.isEmpty { filed[id] = places }
    }

    /// Starts over from `firing`, the alerts that fire now by the alert history, which is the authority: a source
    /// whose resolution this dispatcher never saw (another replica took that transition, or a late or replayed
    /// firing transition came after it) stops inhibiting here. The dispatcher does this at start and with every
    /// silence read.
    public mutating func reset(firing: [(id: String, labels: [String: String])]) {
        sources = Array(repeating: [:], count: rules.count)
        filed = [:]
        for alert in firing { observe(id: alert.id, labels: alert.labels, firing: true) }
    }

    public mutating func observe(_ alert: NotifiedAlert) {
        observe(id: alert.id, labels: alert.labels, firing: alert.status == .firing)
    }

    /// The ids of the firing alerts that inhibit the alert `id` with `labels`, sorted; empty when none does.
    public func inhibitors(of id: String, labels: [String: String]) -> [String] {
        var found: Set<String> = []
        for (index, rule) in rules.enumerated() where rule.isTarget(labels) {
            guard let candidates = sources[index][rule.equalKey(labels)] else { continue }
            let twoSided = rule.isSource(labels)
            for (source, sourceIsTarget) in candidates where source != id && !(twoSided && sourceIsTarget) {
                found.insert(source)
            }
        }
        return found.sorted()
    }

    public func inhibitors(of alert: NotifiedAlert) -> [String] {
        inhibitors(of: alert.id, labels: alert.labels)
    }

    private mutating func forget(_ id: String) {
        guard let places = filed.removeValue(forKey: id) else { return }
        for place in places {
            sources[place.rule][place.key]?[id] = nil
            if sources[place.rule][place.key]?.isEmpty == true { sources[place.rule][place.key] = nil }
        }
    }
}
