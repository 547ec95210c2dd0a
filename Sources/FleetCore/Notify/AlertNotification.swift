/// What one receiver is told about one group at one time: the group's firing alerts, and the resolved ones not
/// told yet. Carries the receipts of the transitions it is the first to tell, so whoever delivers it can settle
/// them once it was delivered.
public struct AlertNotification: Sendable, Equatable {
    /// The group: the route's id and the values of its group labels.
    public var groupKey: String
    public var routeID: String
    public var receiver: String
    /// The values of the route's group-by labels shared by the whole group.
    public var groupLabels: [String: String]
    /// Firing alerts first, then resolved ones; each sorted by id.
    public var alerts: [NotifiedAlert]
    /// The transitions this notification is the first to carry (empty for a repeat).
    public var receipts: [UInt64]

    public init(
        groupKey: String, routeID: String, receiver: String, groupLabels: [String: String], alerts: [NotifiedAlert],
        receipts: [UInt64]
    ) {
        self.groupKey = groupKey
        self.routeID = routeID
        self.receiver = receiver
        self.groupLabels = groupLabels
        self.alerts = alerts
        self.receipts = receipts
    }

    /// `firing` while any alert fires, else `resolved`.
    public var status: AlertStatus { firing.isEmpty ? .resolved : .firing }

    public var firing: [NotifiedAlert] { alerts.filter { $0.status == .firing } }
    public var resolved: [NotifiedAlert] { alerts.filter { $0.status == .resolved } }

    /// The labels every alert of the notification has with the same value.
    public var commonLabels: [String: String] {
        guard var common = alerts.first?.labels else { return [:] }
        for alert in alerts.dropFirst() {
            common = common.filter { alert.labels[$0.key] == $0.value }
        }
        return common
    }
}
