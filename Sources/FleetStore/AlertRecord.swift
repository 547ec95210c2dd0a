import FleetCore
import FleetProto

/// How both stores turn transitions into alerts: the id, which status wins, what a listing shows.
public enum AlertRecord {
    public static func id(of transition: Fleetwatch_V1_AlertTransition) -> String {
        AlertID.make(
            ruleID: transition.ruleID, machineID: transition.machineID, labelsKey: LabelSet.key(transition.labels),
            sequence: transition.sequence)
    }

    /// The alert as of its latest transition; `startedMs` is when its first transition happened.
    public static func alert(
        id: String, latest: Fleetwatch_V1_AlertTransition, startedMs: Int64,
        history: [Fleetwatch_V1_AlertTransition] = []
    ) -> Fleetwatch_V1_Alert {
        .with {
            $0.id = id
            $0.ruleID = latest.ruleID
            $0.ruleName = latest.ruleName
            $0.machineID = latest.machineID
            $0.hostname = latest.hostname
            $0.labels = latest.labels
            $0.status = latest.to
            $0.reason = latest.reason
            $0.severity = latest.severity
            $0.startedMs = startedMs
            $0.updatedMs = latest.atMs
            if latest.hasValue { $0.value = latest.value }
            $0.description_p = latest.description_p
            $0.sequence = latest.sequence
            $0.history = history
        }
    }

    /// Order of statuses within one alert, for transitions that share a timestamp (pending and firing at once).
    public static func rank(_ status: Fleetwatch_V1_AlertStatus) -> Int {
        switch status {
        case .pending: 1
        case .firing: 2
        case .resolved, .inactive: 3
        default: 0
        }
    }

    /// The filter's limit, defaulted and bounded.
    public static func limit(_ filter: Fleetwatch_V1_ListAlertsRequest) -> Int {
        filter.limit <= 0 ? 100 : min(Int(filter.limit), 1000)
    }
}
