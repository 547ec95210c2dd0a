import FleetCore
import FleetProto

/// A rule as POST and PUT /api/v1/rules accept it (docs/api.md, "Alerts and rules"): the fields of `RuleJSON`, the
/// shape the API answers with, all optional but `name`; `created_ms` and `updated_ms` are read and ignored, so a
/// rule as read can be sent back.
struct RuleBody: Decodable {
    typealias CodingKeys = RuleJSON.CodingKeys

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
}
