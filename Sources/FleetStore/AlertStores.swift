import FleetProto

/// Where alert rules live (the config service writes, evaluators read). Implemented over PostgreSQL and SQLite.
public protocol RuleStore: Sendable {
    /// Stores a new rule (its id, version 1 and times already set by the caller).
    func createRule(_ rule: Fleetwatch_V1_Rule) async throws
    func rule(id: String) async throws -> Fleetwatch_V1_Rule?
    /// Every rule, by name.
    func rules() async throws -> [Fleetwatch_V1_Rule]
    /// Replaces the rule whose id and version are `expectedVersion`, with `rule` (carrying the next version).
    /// Throws `StoreError.conflict` when the stored version differs, `.notFound` when there is no such rule.
    func updateRule(_ rule: Fleetwatch_V1_Rule, expectedVersion: Int64) async throws
    /// Deletes the rule (any version when `expectedVersion` is 0) and returns what was deleted.
    func deleteRule(id: String, expectedVersion: Int64) async throws -> Fleetwatch_V1_Rule
}

extension RuleStore {
    /// Throws `.notFound` or `.conflict` for a versioned write that matched no row.
    public func explainMissedWrite(id: String, expectedVersion: Int64) async throws {
        guard let current = try await rule(id: id) else { throw StoreError.notFound("no rule '\(id)'") }
        throw StoreError.conflict("rule '\(id)' is at version \(current.version), not \(expectedVersion); read it again")
    }
}

/// Alert history: every transition the evaluators produced, and each alert's current state.
public protocol AlertStore: Sendable {
    /// Records transitions idempotently (keyed by rule, machine, labels, sequence and target status) and moves
    /// each alert's current state forward (never back in time).
    func record(_ transitions: [Fleetwatch_V1_AlertTransition]) async throws
    /// Alerts, newest change first.
    func alerts(_ filter: Fleetwatch_V1_ListAlertsRequest) async throws -> [Fleetwatch_V1_Alert]
    /// One alert with its transition history, oldest first.
    func alert(id: String) async throws -> Fleetwatch_V1_Alert?
}

/// The id of an alert: one firing (or attempt) of a rule on one series of one machine.
public enum AlertID {
    public static func make(ruleID: String, machineID: String, labelsKey: String, sequence: Int64) -> String {
        "\(ruleID)/\(machineID)/\(labelsKey)/\(sequence)"
    }
}
