import FleetCore
import FleetProto
import FleetStore

/// An alert as the API shows it (docs/api.md, "Alerts and rules").
struct AlertView: Encodable {
    struct Step: Encodable {
        var from: String
        var to: String
        var atMs: Int64
        var value: Double?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
            try container.encode(atMs, forKey: .atMs)
            try container.encode(value, forKey: .value)
        }

        enum CodingKeys: String, CodingKey {
            case from, to
            case atMs = "at_ms"
            case value
        }
    }

    var id: String
    var ruleID: String
    var ruleName: String
    var machineID: String
    var hostname: String
    var labels: [String: String]
    var status: String
    var severity: String
    var startedMs: Int64
    var updatedMs: Int64
    var value: Double?
    var description: String
    /// Why it ended when its values did not end it (`AlertEnd`); nil otherwise.
    var reason: String?
    var history: [Step]?

    init(_ alert: Fleetwatch_V1_Alert, withHistory: Bool = false) {
        id = alert.id
        ruleID = alert.ruleID
        ruleName = alert.ruleName
        machineID = alert.machineID
        hostname = alert.hostname
        labels = alert.labels
        status = RuleMapping.statusName(alert.status)
        severity = RuleMapping.severityName(alert.severity)
        startedMs = alert.startedMs
        updatedMs = alert.updatedMs
        value = alert.hasValue ? alert.value : nil
        description = alert.description_p
        reason = alert.reason.isEmpty ? nil : alert.reason
        history =
            withHistory
            ? alert.history.map {
                Step(from: RuleMapping.statusName($0.from), to: RuleMapping.statusName($0.to), atMs: $0.atMs, value: $0.hasValue ? $0.value : nil)
            } : nil
    }

    /// The alert a transition belongs to, as of that transition (WebSocket alert messages).
    init(_ transition: Fleetwatch_V1_AlertTransition) {
        self.init(AlertRecord.alert(id: AlertRecord.id(of: transition), latest: transition, startedMs: transition.sequence))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(ruleID, forKey: .ruleID)
        try container.encode(ruleName, forKey: .ruleName)
        try container.encode(machineID, forKey: .machineID)
        try container.encode(hostname, forKey: .hostname)
        try container.encode(labels, forKey: .labels)
        try container.encode(status, forKey: .status)
        try container.encode(severity, forKey: .severity)
        try container.encode(startedMs, forKey: .startedMs)
        try container.encode(updatedMs, forKey: .updatedMs)
        try container.encode(value, forKey: .value)
        try container.encode(description, forKey: .description)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(history, forKey: .history)
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
    }
}
