import FleetCore
import FleetProto
import Synchronization

/// The rules an evaluator applies, replaced whole from the store and changed one by one by rules.changed events.
/// Versions only move forward, so a late event never undoes a newer state.
public final class RuleBook: Sendable {
    private let rules = Mutex<[String: AlertRule]>([:])
    private let deleted = Mutex<[String: Int64]>([:])

    public init() {}

    /// Every enabled rule.
    public var active: [AlertRule] { rules.withLock { Array($0.values.filter(\.enabled)) } }

    public var count: Int { rules.withLock { $0.count } }

    /// Brings the book in line with the store's current rules (invalid stored rules are skipped): rules the store
    /// no longer has go, and a rule already known in a newer version (from an event) keeps it.
    public func replaceAll(_ stored: [Fleetwatch_V1_Rule]) {
        let mapped = stored.compactMap { try? RuleMapping.alertRule($0) }
        rules.withLock { rules in
            var next: [String: AlertRule] = [:]
            for rule in mapped {
                if let known = rules[rule.id], known.version > rule.version { next[rule.id] = known } else { next[rule.id] = rule }
            }
            rules = next
        }
    }

    public func apply(_ change: Fleetwatch_V1_RuleChange) {
        let id = change.rule.id
        switch change.kind {
        case .deleted:
            rules.withLock { _ = $0.removeValue(forKey: id) }
            deleted.withLock { $0[id] = max($0[id] ?? 0, change.rule.version) }
        case .created, .updated:
            guard let rule = try? RuleMapping.alertRule(change.rule) else { return }
            if let gone = deleted.withLock({ $0[id] }), gone >= rule.version { return }
            rules.withLock { rules in
                if let current = rules[id], current.version > rule.version { return }
                rules[id] = rule
            }
        default:
            break
        }
    }
}
