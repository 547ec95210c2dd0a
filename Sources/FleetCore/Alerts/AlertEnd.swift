import FleetProto

/// Why an alert ended other than by its values. Prometheus resolves an alert whose series went stale; Fleetwatch
/// does the same and says why, in the transition's `reason`, so history, the dashboard and notifications can show
/// it.
public enum AlertEnd: String, Sendable, CaseIterable {
    /// Its rule was deleted: the config service ends the rule's open alerts at once.
    case ruleDeleted = "rule deleted"
    /// Its rule was disabled (`enabled: false`).
    case ruleDisabled = "rule disabled"
    /// An operator retired its machine.
    case machineRetired = "machine retired"
    /// Its machine stopped reporting: a threshold rule has no value to judge by (a no-data rule watches silence).
    case machineSilent = "machine silent"
}

extension Fleetwatch_V1_AlertTransition {
    /// The transition that ends the open `alert` for `reason` at `atMs`: firing → resolved, pending → inactive
    /// (it never fired). nil when the alert is not open.
    public static func ending(_ alert: Fleetwatch_V1_Alert, reason: AlertEnd, atMs: Int64) -> Self? {
        let to: Fleetwatch_V1_AlertStatus
        switch alert.status {
        case .firing: to = .resolved
        case .pending: to = .inactive
        default: return nil
        }
        return .with {
            $0.ruleID = alert.ruleID
            $0.machineID = alert.machineID
            $0.labels = alert.labels
            $0.from = alert.status
            $0.to = to
            // Never before the alert's last change: the store moves an alert's state forward only.
            $0.atMs = max(atMs, alert.updatedMs)
            if alert.hasValue { $0.value = alert.value }
            $0.sequence = alert.sequence
            $0.ruleName = alert.ruleName
            $0.severity = alert.severity
            $0.description_p = alert.description_p
            $0.hostname = alert.hostname
            $0.reason = reason.rawValue
        }
    }
}
