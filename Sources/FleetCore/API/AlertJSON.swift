import FleetProto

/// An alert in the JSON shape of the REST API (docs/api.md, "Alerts and rules"): `status` as `firing`, `severity`
/// as `critical`, `value` null for no-data alerts, `reason` why it ended when its values did not end it (`AlertEnd`,
/// else null), `silenced_by` (the ids of the active silences that silence it; empty when none) and `history` (oldest
/// first) only when asked for.
public struct AlertJSON: Encodable, Sendable {
    public var alert: Fleetwatch_V1_Alert
    public var withHistory: Bool

    public init(_ alert: Fleetwatch_V1_Alert, withHistory: Bool = false) {
        self.alert = alert
        self.withHistory = withHistory
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(alert.id, forKey: .id)
        try container.encode(alert.ruleID, forKey: .ruleID)
        try container.encode(alert.ruleName, forKey: .ruleName)
        try container.encode(alert.machineID, forKey: .machineID)
        try container.encode(alert.hostname, forKey: .hostname)
        try container.encode(alert.labels, forKey: .labels)
        try container.encode(RuleMapping.statusName(alert.status), forKey: .status)
        try container.encode(RuleMapping.severityName(alert.severity), forKey: .severity)
        try container.encode(alert.startedMs, forKey: .startedMs)
        try container.encode(alert.updatedMs, forKey: .updatedMs)
        try container.encode(alert.hasValue ? alert.value : nil, forKey: .value)
        try container.encode(alert.description_p, forKey: .description)
        try container.encode(alert.reason.isEmpty ? nil : alert.reason, forKey: .reason)
        try container.encode(alert.silencedBy, forKey: .silencedBy)
        if withHistory {
            try container.encode(alert.history.map(Step.init), forKey: .history)
        }
    }

    /// One transition of `history`: `{"from": "pending", "to": "firing", "at_ms": …, "value": 93.5}`.
    struct Step: Encodable {
        var transition: Fleetwatch_V1_AlertTransition

        init(_ transition: Fleetwatch_V1_AlertTransition) { self.transition = transition }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(RuleMapping.statusName(transition.from), forKey: .from)
            try container.encode(RuleMapping.statusName(transition.to), forKey: .to)
            try container.encode(transition.atMs, forKey: .atMs)
            try container.encode(transition.hasValue ? transition.value : nil, forKey: .value)
        }

        enum CodingKeys: String, CodingKey {
            case from, to
            case atMs = "at_ms"
            case value
        }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case ruleID = "rule_id"
        case ruleName = "rule_name"
        case machineID = "machine_id"
        case hostname, labels, status, severity
        case startedMs = "started_ms"
        case updatedMs = "updated_ms"
        case value, description, reason, history
        case silencedBy = "silenced_by"
    }
}
