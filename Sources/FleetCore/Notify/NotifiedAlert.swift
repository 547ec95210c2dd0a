import FleetProto

/// One alert as notifications show it: its latest firing or resolved transition, with the labels routes and
/// silences match on.
public struct NotifiedAlert: Sendable, Equatable {
    /// The alert's id (`rule_id/machine_id/labels/sequence`, as alert history keys it).
    public var id: String
    /// `firing` or `resolved`.
    public var status: AlertStatus
    /// `AlertLabels.of(transition)`: the series labels plus machine, hostname, rule, rule_id and severity.
    public var labels: [String: String]
    /// The series labels alone (`cpu`, `mount`, …).
    public var seriesLabels: [String: String]
    public var ruleID: String
    public var rule: String
    public var severity: String
    public var machineID: String
    public var hostname: String
    public var description: String
    /// Why it ended other than by its value ("rule deleted", "machine silent", …); empty otherwise.
    public var reason: String
    public var value: Double?
    /// When the transition happened, in milliseconds since 1970.
    public var atMs: Int64

    /// The alert of `transition`, under the id alert history gives it.
    public init(id: String, transition: Fleetwatch_V1_AlertTransition) {
        self.id = id
        status = RuleMapping.status(transition.to)
        labels = AlertLabels.of(transition)
        seriesLabels = transition.labels
        ruleID = transition.ruleID
        rule = transition.ruleName
        severity = RuleMapping.severityName(transition.severity)
        machineID = transition.machineID
        hostname = transition.hostname
        description = transition.description_p
        reason = transition.reason
        value = transition.hasValue ? transition.value : nil
        atMs = transition.atMs
    }

    /// The series labels as log lines and titles show them: `cpu=total,mount=/` (empty for no-data alerts).
    public var seriesText: String {
        seriesLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
