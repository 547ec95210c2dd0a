import FleetCore
import FleetProto
import Testing

/// The grouper with a clock in the test's hands: times are milliseconds since the test began.
@Suite struct AlertGrouperTests {
    /// group_wait 1 s, group_interval 5 s, repeat_interval 60 s, grouped by rule.
    let root = NotificationRoute(
        root: .init(
            receiver: "ops", groupBy: .labels(["rule"]), groupWait: .seconds(1), groupInterval: .seconds(5),
            repeatInterval: .seconds(60)))

    func alert(_ machine: String, _ status: AlertStatus, at atMs: Int64, rule: String = "cpu high") -> NotifiedAlert {
        let transition = Fleetwatch_V1_AlertTransition.with {
            $0.ruleID = "r-\(rule)"
            $0.ruleName = rule
            $0.machineID = machine
            $0.hostname = machine
            $0.labels = ["cpu": "total"]
            $0.severity = .warning
            $0.to = RuleMapping.status(status)
            $0.atMs = atMs
        }
        return NotifiedAlert(id: "r-\(rule)/\(machine)", transition: transition)
    }

    @Test func theFirstNotificationWaitsGroupWaitAndListsEveryAlertOfTheGroup() throws {
        var grouper = AlertGrouper(root: root)
        #expect(grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 0) == ["root{rule=\"cpu high\"}"])
        grouper.receive(alert("web-2", .firing, at: 300), receipt: 2, atMs: 300)
        grouper.receive(alert("db-1", .firing, at: 400, rule: "disk full"), receipt: 3, atMs: 400)
        #expect(grouper.flush(atMs: 999, silences: []).notifications.isEmpty)
        #expect(grouper.nextFlushMs == 1000)

        let due = grouper.flush(atMs: 1000, silences: [])
        let notification = try #require(due.notifications.first)
        #expect(due.notifications.count == 1)
        #expect(notification.receiver == "ops")
        #expect(notification.groupLabels == ["rule": "cpu high"])
        #expect(notification.alerts.map(\.machineID) == ["web-1", "web-2"])
        #expect(notification.receipts == [1, 2])
        #expect(notification.status == .firing)
        #expect(notification.commonLabels["rule"] == "cpu high" && notification.commonLabels["machine"] == nil)
        #expect(due.settled.isEmpty)

        let other = grouper.flush(atMs: 1400, silences: [])
        #expect(other.notifications.map(\.groupLabels) == [["rule": "disk full"]])
    }

    /// As in Alertmanager: group_wait counts from the alert's own time, so one redelivered after a restart (or taken
    /// late by a busy dispatcher) is not held back a second time.
    @Test func anAlertOlderThanGroupWaitIsToldAtTheNextFlush() {
        var grouper = AlertGrouper(root: root)
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 10_000)
        #expect(grouper.nextFlushMs == 1000)
        #expect(grouper.flush(atMs: 10_000, silences: []).notifications.map(\.receipts) == [[1]])
        var fresh = AlertGrouper(root: root)
        fresh.receive(alert("web-1", .firing, at: 20_000), receipt: 1, atMs: 10_000)
        #expect(fresh.nextFlushMs == 11_000, "an alert stamped ahead of the clock waits group_wait from now")
    }

    @Test func changesWaitGroupIntervalAfterTheLastNotification() {
        var grouper = AlertGrouper(root: root)
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 0)
        #expect(grouper.flush(atMs: 1000, silences: []).notifications.count == 1)
        grouper.receive(alert("web-2", .firing, at: 1500), receipt: 2, atMs: 1500)
        #expect(grouper.flush(atMs: 5999, silences: []).notifications.isEmpty)
        let next = grouper.flush(atMs: 6000, silences: [])
        #expect(next.notifications.first?.alerts.map(\.machineID) == ["web-1", "web-2"])
        #expect(next.notifications.first?.receipts == [2])
    }

    @Test func anUnchangedFiringGroupIsToldAgainAfterRepeatInterval() {
        var grouper = AlertGrouper(root: root)
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 0)
        #expect(grouper.flush(atMs: 1000, silences: []).notifications.count == 1)
        var told: [Int64] = []
        var now: Int64 = 1000
        while now < 130_000 {
            now = grouper.nextFlushMs!
            if !grouper.flush(atMs: now, silences: []).notifications.isEmpty { told.append(now) }
        }
        // Looked at every 5 s; told again at the first look 60 s after the last notification.
        #expect(told == [61_000, 121_000])
    }

    @Test func aResolvedAlertIsToldOnceThenDroppedAndAnEmptyGroupGoesAway() {
        var grouper = AlertGrouper(root: root)
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 0)
        grouper.receive(alert("web-2", .firing, at: 0), receipt: 2, atMs: 0)
        _ = grouper.flush(atMs: 1000, silences: [])
        grouper.receive(alert("web-1", .resolved, at: 2000), receipt: 3, atMs: 2000)
        let mixed = grouper.flush(atMs: 6000, silences: []).notifications.first
        #expect(mixed?.firing.map(\.machineID) == ["web-2"])
        #expect(mixed?.resolved.map(\.machineID) == ["web-1"])
        #expect(mixed?.receipts == [3])
        #expect(mixed?.status == .firing)

        grouper.receive(alert("web-2", .resolved, at: 7000), receipt: 4, atMs: 7000)
        let last = grouper.flush(atMs: 11_000, silences: []).notifications.first
        #expect(last?.alerts.map(\.machineID) == ["web-2"])
        #expect(last?.status == .resolved)
        #expect(grouper.groupCount == 0)
        #expect(grouper.nextFlushMs == nil)
    }

    @Test func aNewerTransitionSupersedesAnOlderOneAndBothAreCarried() {
        var grouper = AlertGrouper(root: root)
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 0)
        grouper.receive(alert("web-1", .resolved, at: 500), receipt: 2, atMs: 500)
        // A late redelivery of the firing transition does not undo the resolution.
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 3, atMs: 600)
        let flush = grouper.flush(atMs: 1000, silences: [])
        #expect(flush.notifications.first?.alerts.map(\.status) == [.resolved])
        #expect(flush.notifications.first?.receipts == [1, 2, 3])
        #expect(grouper.groupCount == 0)
    }

    @Test func aRepeatedTransitionOfAnAlertAlreadyToldIsSettledWithoutANotification() {
        var grouper = AlertGrouper(root: root)
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 0)
        _ = grouper.flush(atMs: 1000, silences: [])
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 2, atMs: 2000)
        let flush = grouper.flush(atMs: 6000, silences: [])
        #expect(flush.notifications.isEmpty)
        #expect(flush.settled == [2])
    }

    @Test func silencedAlertsAreLeftOutAndToldOnceTheSilenceEnds() throws {
        var grouper = AlertGrouper(root: root)
        let silence = Silence(
            id: "s1", matchers: [try LabelMatcher(parsing: "machine=web-2")], startsAtMs: 0, endsAtMs: 8000,
            createdBy: "ops", comment: "maintenance", createdAtMs: 0)
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 0)
        grouper.receive(alert("web-2", .firing, at: 0), receipt: 2, atMs: 0)
        let first = grouper.flush(atMs: 1000, silences: [silence])
        #expect(first.notifications.first?.alerts.map(\.machineID) == ["web-1"])
        #expect(first.notifications.first?.receipts == [1])
        #expect(first.settled == [2])
        #expect(first.silenced.map(\.machineID) == ["web-2"])

        #expect(grouper.flush(atMs: 6000, silences: [silence]).notifications.isEmpty)
        let after = grouper.flush(atMs: 11_000, silences: [silence])
        #expect(after.notifications.first?.alerts.map(\.machineID) == ["web-1", "web-2"])
    }

    @Test func aGroupWhollySilencedSendsNothing() throws {
        var grouper = AlertGrouper(root: root)
        let silence = Silence(
            id: "s1", matchers: [try LabelMatcher(parsing: "rule=cpu high")], startsAtMs: 0, endsAtMs: 100_000,
            createdBy: "ops", comment: "", createdAtMs: 0)
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 0)
        let flush = grouper.flush(atMs: 1000, silences: [silence])
        #expect(flush.notifications.isEmpty)
        #expect(flush.settled == [1])
        grouper.receive(alert("web-1", .resolved, at: 2000), receipt: 2, atMs: 2000)
        #expect(grouper.flush(atMs: 6000, silences: [silence]).notifications.isEmpty)
        #expect(grouper.groupCount == 0)
    }

    @Test func aBusyGroupWaitsUntilItsDeliveryEnded() {
        var grouper = AlertGrouper(root: root)
        grouper.receive(alert("web-1", .firing, at: 0), receipt: 1, atMs: 0)
        let key = "root{rule=\"cpu high\"}"
        #expect(grouper.flush(atMs: 1000, silences: [], busy: [key]).notifications.isEmpty)
        #expect(grouper.flush(atMs: 1200, silences: []).notifications.count == 1)
    }

    @Test func anAlertMatchingTwoRoutesJoinsAGroupOfEach() throws {
        let root = NotificationRoute(
            root: .init(
                receiver: "ops", groupWait: .zero,
                routes: [
                    .init(matchers: [try LabelMatcher(parsing: "severity=warning")], receiver: "chat", continues: true),
                    .init(matchers: [try LabelMatcher(parsing: "machine=~web-.*")], receiver: "mail"),
                ]))
        var grouper = AlertGrouper(root: root)
        #expect(grouper.receive(alert("web-1", .firing, at: 0), receipt: 7, atMs: 0).count == 2)
        let flush = grouper.flush(atMs: 0, silences: [])
        #expect(flush.notifications.map(\.receiver) == ["chat", "mail"])
        #expect(flush.notifications.map(\.receipts) == [[7], [7]])
    }
}
