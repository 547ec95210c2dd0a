import FleetProto

/// Rules between their wire form (alerts.proto) and the domain (`AlertRule`).
public enum RuleMapping {
    /// The domain rule, validated; the error names the field at fault.
    public static func alertRule(_ rule: Fleetwatch_V1_Rule) throws(RuleError) -> AlertRule {
        let kind: AlertRule.Kind
        if rule.noDataSeconds > 0 {
            guard rule.metric.isEmpty else {
                throw RuleError(field: "metric", "a no-data rule has no metric (set either metric or no_data_seconds)")
            }
            kind = .noData(silence: .seconds(Int64(rule.noDataSeconds)))
        } else {
            guard !rule.metric.isEmpty else { throw RuleError(field: "metric", "is required (or no_data_seconds)") }
            let comparator: AlertRule.Comparator
            switch rule.comparator {
            case .greater: comparator = .greaterThan
            case .greaterOrEqual: comparator = .greaterOrEqual
            case .less: comparator = .lessThan
            case .lessOrEqual: comparator = .lessOrEqual
            default: throw RuleError(field: "comparator", "is required: >, >=, < or <=")
            }
            kind = .threshold(
                .init(
                    metric: rule.metric, comparator: comparator, value: rule.threshold,
                    resolveValue: rule.hasResolveThreshold ? rule.resolveThreshold : nil))
        }
        let severity: AlertRule.Severity =
            switch rule.severity {
            case .info: .info
            case .critical: .critical
            default: .warning
            }
        let domain = AlertRule(
            id: rule.id, name: rule.name, kind: kind, matchers: rule.matchers, forDuration: .seconds(Int64(rule.forSeconds)),
            severity: severity, description: rule.description_p, enabled: rule.enabled, version: rule.version)
        try domain.validate()
        return domain
    }

    public static func severity(_ severity: AlertRule.Severity) -> Fleetwatch_V1_Severity {
        switch severity {
        case .info: .info
        case .warning: .warning
        case .critical: .critical
        }
    }

    public static func severityName(_ severity: Fleetwatch_V1_Severity) -> String {
        switch severity {
        case .info: "info"
        case .critical: "critical"
        default: "warning"
        }
    }

    public static func severity(named name: String) -> Fleetwatch_V1_Severity? {
        switch name {
        case "info": .info
        case "warning": .warning
        case "critical": .critical
        default: nil
        }
    }

    public static func statusName(_ status: Fleetwatch_V1_AlertStatus) -> String { Self.status(status).rawValue }

    public static func status(_ status: AlertStatus) -> Fleetwatch_V1_AlertStatus {
        switch status {
        case .inactive: .inactive
        case .pending: .pending
        case .firing: .firing
        case .resolved: .resolved
        }
    }

    public static func status(_ status: Fleetwatch_V1_AlertStatus) -> AlertStatus {
        switch status {
        case .pending: .pending
        case .firing: .firing
        case .resolved: .resolved
        default: .inactive
        }
    }

    /// Parses a comparator as people write it.
    public static func comparator(_ text: String) -> Fleetwatch_V1_Comparator? {
        switch text {
        case ">", "gt": .greater
        case ">=", "ge": .greaterOrEqual
        case "<", "lt": .less
        case "<=", "le": .lessOrEqual
        default: nil
        }
    }

    public static func symbol(_ comparator: Fleetwatch_V1_Comparator) -> String {
        switch comparator {
        case .greater: ">"
        case .greaterOrEqual: ">="
        case .less: "<"
        case .lessOrEqual: "<="
        default: "?"
        }
    }
}
