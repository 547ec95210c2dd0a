import FleetProto

/// The labels silences and notification routes match an alert on: its series labels (`cpu`, `mount`, …) plus
/// `machine` (the machine id), `hostname`, `rule` (the rule's name), `rule_id` and `severity` (`critical`,
/// `warning`, `info`). The alert's own names win over a series label of the same name.
public enum AlertLabels {
    /// The names every alert carries, besides its series labels.
    public static let reserved: [String] = ["machine", "hostname", "rule", "rule_id", "severity"]

    public static func of(_ transition: Fleetwatch_V1_AlertTransition) -> [String: String] {
        merged(
            series: transition.labels, machine: transition.machineID, hostname: transition.hostname,
            rule: transition.ruleName, ruleID: transition.ruleID, severity: transition.severity)
    }

    public static func of(_ alert: Fleetwatch_V1_Alert) -> [String: String] {
        merged(
            series: alert.labels, machine: alert.machineID, hostname: alert.hostname, rule: alert.ruleName,
            ruleID: alert.ruleID, severity: alert.severity)
    }

    private static func merged(
        series: [String: String], machine: String, hostname: String, rule: String, ruleID: String,
        severity: Fleetwatch_V1_Severity
    ) -> [String: String] {
        var labels = series
        labels["machine"] = machine
        labels["hostname"] = hostname
        labels["rule"] = rule
        labels["rule_id"] = ruleID
        labels["severity"] = RuleMapping.severityName(severity)
        return labels
    }
}
