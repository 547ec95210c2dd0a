import FleetCore
import FleetProto
import Logging

/// What a log line about an alert says: its rule, machine, series labels, value and, for an alert that ended
/// other than by its values, why. A rule without matchers fires once per series (e.g. per CPU), so a line
/// without labels could not tell them apart.
enum AlertLog {
    static func metadata(_ transition: Fleetwatch_V1_AlertTransition) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "rule": "\(transition.ruleName)", "rule_id": "\(transition.ruleID)", "machine": "\(transition.machineID)",
            "value": "\(transition.hasValue ? String(transition.value) : "-")",
        ]
        if !transition.labels.isEmpty { metadata["labels"] = "\(LabelSet.key(transition.labels))" }
        if !transition.reason.isEmpty { metadata["reason"] = "\(transition.reason)" }
        return metadata
    }
}
