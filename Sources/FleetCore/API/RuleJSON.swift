import FleetProto

/// A rule in the JSON shape of the REST API (docs/api.md, "Alerts and rules"): `comparator` as `>`, `severity`
/// as `critical`, unknown optional values as null. The CLI's `--output json` writes rules this way.
public struct RuleJSON: Encodable, Sendable {
    public var rule: Fleetwatch_V1_Rule

    public init(_ rule: Fleetwatch_V1_Rule) { self.rule = rule }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rule.id, forKey: .id)
        try container.encode(rule.name, forKey: .name)
        try container.encode(rule.metric, forKey: .metric)
        try container.encode(rule.noDataSeconds > 0 ? nil : RuleMapping.symbol(rule.comparator), forKey: .comparator)
        try container.encode(rule.threshold, forKey: .threshold)
        try container.encode(rule.hasResolveThreshold ? rule.resolveThreshold : nil, forKey: .resolveThreshold)
        try container.encode(rule.noDataSeconds, forKey: .noDataSeconds)
        try container.encode(rule.matchers, forKey: .matchers)
        try container.encode(rule.forSeconds, forKey: .forSeconds)
        try container.encode(RuleMapping.severityName(rule.severity), forKey: .severity)
        try container.encode(rule.description_p, forKey: .description)
        try container.encode(rule.enabled, forKey: .enabled)
        try container.encode(rule.version, forKey: .version)
        try container.encode(rule.createdMs, forKey: .createdMs)
        try container.encode(rule.updatedMs, forKey: .updatedMs)
    }

    /// The field names, also those of the body the REST API accepts for a rule.
    public enum CodingKeys: String, CodingKey {
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
