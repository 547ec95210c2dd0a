/// Groups alerts per route and group labels and decides, at a time passed in, which notifications are due — the
/// part of Alertmanager's dispatcher that involves no I/O.
///
/// - A group's first notification goes `group_wait` after its first alert arrived; after that the group is looked
///   at every `group_interval`, and a notification goes when its set of firing alerts changed or an alert resolved,
///   or, unchanged and still firing, once `repeat_interval` passed since the last one.
/// - Each alert keeps only its latest status (by transition time). A resolved alert is told once, in the next
///   notification, and then dropped; a group left with no alert goes away.
/// - Alerts silenced or inhibited (`Inhibitor`) at flush time are left out of notifications (they stay in the
///   group: when the silence ends or the inhibiting alert resolves, the next look tells them).
///
/// Every transition given to `receive` comes back exactly once per group it joined: carried by a notification
/// (`AlertNotification.receipts`), or in `Flush.settled` when no notification needs it (silenced, or
/// inhibited, superseded by a newer transition of the same alert, or a repeat of what was already told).
public struct AlertGrouper: Sendable {
    /// What one look at the groups decided.
    public struct Flush: Sendable, Equatable {
        public var notifications: [AlertNotification] = []
        /// Receipts of transitions no notification needs to carry.
        public var settled: [UInt64] = []
        /// Transitions left out because a silence matched their alert.
        public var silenced: [NotifiedAlert] = []
        /// Transitions left out because a firing alert inhibited theirs, with the ids of the inhibiting alerts.
        public var inhibited: [InhibitedAlert] = []
    }

    /// An alert held back by inhibition, and the firing alerts that hold it.
    public struct InhibitedAlert: Sendable, Equatable {
        public var alert: NotifiedAlert
        public var by: [String]

        public init(alert: NotifiedAlert, by: [String]) {
            self.alert = alert
            self.by = by
        }
    }

    private struct Entry: Sendable {
        var alert: NotifiedAlert
        var receipts: [UInt64]
    }

    private struct Group: Sendable {
        let key: String
        let route: NotificationRoute
        let labels: [String: String]
        var entries: [String: Entry] = [:]
        var nextFlushMs: Int64
        /// The ids of the firing alerts last told; nil before the first notification.
        var toldFiring: Set<String>?
        var lastSentMs: Int64 = 0
    }

    public let root: NotificationRoute
    private var groups: [String: Group] = [:]

    public init(root: NotificationRoute) {
        self.root = root
    }

    /// Takes an alert's transition at `now`; returns the keys of the groups it joined (one per matching route).
    @discardableResult
    public mutating func receive(_ alert: NotifiedAlert, receipt: UInt64, atMs now: Int64) -> [String] {
        var keys: [String] = []
        for route in root.matchingRoutes(alert.labels) {
            let labels = route.groupLabels(of: alert.labels)
            let key = Self.groupKey(route: route.id, labels: labels)
            // A new group waits group_wait from its first alert's own time, as Alertmanager does: an alert that has
            // been on longer than that already (one redelivered after a restart) is told at the next flush.
            var group =
                groups[key]
                ?? Group(
                    key: key, route: route, labels: labels,
                    nextFlushMs: min(now, alert.atMs) + route.groupWait.wholeMilliseconds)
            if var entry = group.entries[alert.id] {
                if alert.atMs >= entry.alert.atMs { entry.alert = alert }
                entry.receipts.append(receipt)
                group.entries[alert.id] = entry
            } else {
                group.entries[alert.id] = Entry(alert: alert, receipts: [receipt])
            }
            groups[key] = group
            keys.append(key)
        }
        return keys
    }

    /// Looks at every group due at `now` except those in `busy` (a notification of theirs is still being
    /// delivered: they wait, so a group's notifications never overtake each other). `inhibitor` knows the firing
    /// alerts that hold others back (by default none).
    public mutating func flush(
        atMs now: Int64, silences: [Silence], inhibitor: Inhibitor = Inhibitor(), busy: Set<String> = []
    ) -> Flush {
        var result = Flush()
        let due = groups.compactMap { $0.value.nextFlushMs <= now && !busy.contains($0.key) ? $0.key : nil }
        for key in due.sorted() {
            guard var group = groups[key] else { continue }
            var firing: [NotifiedAlert] = []
            var resolved: [NotifiedAlert] = []
            for entry in group.entries.values {
                if !silences.silencing(entry.alert.labels, atMs: now).isEmpty {
                    if !entry.receipts.isEmpty { result.silenced.append(entry.alert) }
                } else if case let by = inhibitor.inhibitors(of: entry.alert), !by.isEmpty {
                    if !entry.receipts.isEmpty { result.inhibited.append(InhibitedAlert(alert: entry.alert, by: by)) }
                } else if entry.alert.status == .firing {
                    firing.append(entry.alert)
                } else {
                    resolved.append(entry.alert)
                }
            }
            firing.sort { $0.id < $1.id }
            resolved.sort { $0.id < $1.id }
            let firingIDs = Set(firing.map(\.id))
            let changed: Bool
            if let told = group.toldFiring {
                let repeatDue = !firing.isEmpty && now - group.lastSentMs >= group.route.repeatInterval.wholeMilliseconds
                changed = firingIDs != told || !resolved.isEmpty || repeatDue
            } else {
                changed = !firing.isEmpty || !resolved.isEmpty
            }
            let told = firing + resolved
            var carried: [UInt64] = []
            if changed && !told.isEmpty {
                let toldIDs = Set(told.map(\.id))
                for entry in group.entries.values where toldIDs.contains(entry.alert.id) { carried += entry.receipts }
                result.notifications.append(
                    AlertNotification(
                        groupKey: key, routeID: group.route.id, receiver: group.route.receiver, groupLabels: group.labels,
                        alerts: told, receipts: carried.sorted()))
                group.lastSentMs = now
            }
            if changed || group.toldFiring != nil { group.toldFiring = firingIDs }
            let carriedSet = Set(carried)
            for (id, var entry) in group.entries {
                result.settled += entry.receipts.filter { !carriedSet.contains($0) }
                entry.receipts = []
                if entry.alert.status == .resolved {
                    group.entries[id] = nil
                } else {
                    group.entries[id] = entry
                }
            }
            if group.entries.isEmpty {
                groups[key] = nil
            } else {
                group.nextFlushMs = now + group.route.groupInterval.wholeMilliseconds
                groups[key] = group
            }
        }
        result.settled.sort()
        return result
    }

    /// When the next group is due (nil: no group).
    public var nextFlushMs: Int64? { groups.values.map(\.nextFlushMs).min() }

    /// How many groups hold alerts.
    public var groupCount: Int { groups.count }

    static func groupKey(route: String, labels: [String: String]) -> String {
        route + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }
}

extension Duration {
    /// Whole milliseconds (rounded down).
    fileprivate var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
