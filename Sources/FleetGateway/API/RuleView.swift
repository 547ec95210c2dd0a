import FleetCore
import FleetProto

/// A rule as the API shows and accepts it (docs/api.md, "Alerts and rules").
struct RuleView: Codable {
    var id: String?
    var name: String
    var metric: String?
    var comparator: String?
    var threshold: Double?
    var resolveThreshold: Double?
    var noDataSeconds: Int32?
    var matchers: [String: String]?
    var forSeconds: Int32?
    var severity: String?
    var description: String?
    var enabled: Bool?
    var version: Int64?
    var createdMs: Int64?
    var updatedMs: Int64?

    init(_ rule: Fleetwatch_V1_Rule) {
        id = rule.id
        name = rule.name
        metric = rule.metric
        comparator = rule.noDataSeconds > 0 ? nil : RuleMapping.symbol(rule.comparator)
        threshold = rule.threshold
        resolveThreshold = rule.hasResolveThreshold ? rule.resolveThreshold : nil
        noDataSeconds = rule.noDataSeconds
        matchers = rule.matchers
        forSeconds = rule.forSeconds
        severity = RuleMapping.severityName(rule.severity)
        description = rule.description_p
        enabled = rule.enabled
        version = rule.version
        createdMs = rule.createdMs
        updatedMs = rule.updatedMs
    }

    /// The wire rule; `comparator` and `severity` spelled wrong are a 400 naming the field.
    func rule() throws(APIError) -> Fleetwatch_V1_Rule {
        var rule = Fleetwatch_V1_Rule()
        rule.id = id ?? ""
        rule.name = name
        rule.metric = metric ?? ""
        if let comparator {
            guard let parsed = RuleMapping.comparator(comparator) else {
                throw .badParameter("comparator", "comparator must be >, >=, < or <= (got '\(comparator)')")
            }
            rule.comparator = parsed
        }
        rule.threshold = threshold ?? 0
        if let resolveThreshold { rule.resolveThreshold = resolveThreshold }
        rule.noDataSeconds = noDataSeconds ?? 0
        rule.matchers = matchers ?? [:]
        rule.forSeconds = forSeconds ?? 0
        if let severity {
            guard let parsed = RuleMapping.severity(named: severity) else {
                throw .badParameter("severity", "severity must be info, warning or critical (got '\(severity)')")
            }
            rule.severity = parsed
        }
        rule.description_p = description ?? ""
        rule.enabled = enabled ?? true
        rule.version = version ?? 0
        return rule
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(metric, forKey: .metric)
        try container.encode(comparator, forKey: .comparator)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(resolveThreshold, forKey: .resolveThreshold)
        try container.encode(noDataSeconds, forKey: .noDataSeconds)
        try container.encode(matchers, forKey: .matchers)
        try container.encode(forSeconds, forKey: .forSeconds)
        try container.encode(severity, forKey: .severity)
        try container.encode(description, forKey: .description)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(version, forKey: .version)
        try container.encode(createdMs, forKey: .createdMs)
        try container.encode(updatedMs, forKey: .updatedMs)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, metric, comparator, threshold
        case resolveThreshold = "resolve_threshold"
        case noDataSeconds = "no_data_seconds"
        case matchers
        case forSeconds = "for_seconds"
        case severity, description, enabled, version
        case createdMs = "created_ms"
        case updatedMs = "updated_ms"
    }
}
