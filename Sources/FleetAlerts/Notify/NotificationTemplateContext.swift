import FleetCore
import Foundation

/// What title and body templates see (documented in docs/alerts.md, "Template context"). Keys a value may lack
/// (`value`, `description`, `reason`, `series`, `group_text`) are left out rather than empty, so `{{#key}}…{{/key}}`
/// shows its text only when there is something to show.
public enum NotificationTemplateContext {
    public static func make(_ notification: AlertNotification) -> [String: Any] {
        let firing = notification.firing.map(alert)
        let resolved = notification.resolved.map(alert)
        let rules = Set(notification.alerts.map(\.rule))
        var context: [String: Any] = [
            "status": notification.status.rawValue,
            "status_upper": notification.status.rawValue.uppercased(),
            "receiver": notification.receiver,
            "rule": rules.count == 1 ? rules.first ?? "" : "\(rules.count) rules",
            "group_key": notification.groupKey,
            "group_labels": notification.groupLabels,
            "group_label_list": list(notification.groupLabels),
            "common_labels": notification.commonLabels,
            "common_label_list": list(notification.commonLabels),
            "firing_count": firing.count,
            "resolved_count": resolved.count,
            "alert_count": firing.count + resolved.count,
            "firing": firing,
            "resolved": resolved,
            "alerts": firing + resolved,
        ]
        let groupText = text(notification.groupLabels.filter { $0.key != "rule" && !$0.value.isEmpty })
        if !groupText.isEmpty, groupText.count <= 200 { context["group_text"] = groupText }
        return context
    }

    static func alert(_ alert: NotifiedAlert) -> [String: Any] {
        var fields: [String: Any] = [
            "id": alert.id,
            "status": alert.status.rawValue,
            "rule": alert.rule,
            "rule_id": alert.ruleID,
            "severity": alert.severity,
            "machine": alert.machineID,
            "hostname": alert.hostname.isEmpty ? alert.machineID : alert.hostname,
            "at_ms": alert.atMs,
            "at": ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(alert.atMs) / 1000)),
            "labels": alert.labels,
            "label_list": list(alert.labels),
        ]
        if let value = alert.value { fields["value"] = format(value) }
        if !alert.description.isEmpty { fields["description"] = alert.description }
        if !alert.reason.isEmpty { fields["reason"] = alert.reason }
        if !alert.seriesText.isEmpty { fields["series"] = alert.seriesText }
        return fields
    }

    /// `name=value` pairs sorted by name, comma-separated.
    static func text(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    static func list(_ labels: [String: String]) -> [[String: String]] {
        labels.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }
    }

    /// At most two decimals, no trailing zeros: 93.5, 12, 0.07.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : String(rounded)
    }
}
