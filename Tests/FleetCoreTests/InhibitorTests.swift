import FleetCore
import FleetProto
import Testing

/// Inhibition as Alertmanager's `inhibit_rules` define it: a firing source alert holds back the notifications of
/// target alerts that share its `equal` labels.
@Suite struct InhibitorTests {
    /// "machine down" (critical) inhibits every warning of the same machine.
    let machineDown = try! InhibitRule(
        sourceMatchers: [LabelMatcher(parsing: "rule=machine down")],
        targetMatchers: [LabelMatcher(parsing: "severity=warning")], equal: ["machine"])

    func alert(
        _ rule: String, on machine: String, _ status: AlertStatus = .firing, severity: Fleetwatch_V1_Severity = .warning,
        labels: [String: String] = [:]
    ) -> NotifiedAlert {
        NotifiedAlert(
            id: "\(rule)/\(machine)/\(labels.sorted { $0.key < $1.key })",
            transition: .with {
                $0.ruleID = rule
                $0.ruleName = rule
                $0.machineID = machine
                $0.hostname = machine
                $0.labels = labels
                $0.severity = severity
                $0.to = RuleMapping.status(status)
            })
    }

    /// History is the authority: a source resolved where this dispatcher did not see it stops inhibiting at the
    /// next read, and one that fired elsewhere starts.
    @Test func aResetToTheFiringAlertsOfHistoryReplacesWhatTheTransitionsTold() {
        var inhibitor = Inhibitor(rules: [machineDown])
        let downHere = alert("machine down", on: "web-1", severity: .critical)
        let downThere = alert("machine down", on: "web-2", severity: .critical)
        inhibitor.observe(downHere)  // its resolution went to another replica
        inhibitor.reset(firing: [(downThere.id, downThere.labels)])
        #expect(inhibitor.sourceCount == 1)
        #expect(inhibitor.inhibitors(of: alert("disk full", on: "web-1")).isEmpty)
        #expect(inhibitor.inhibitors(of: alert("disk full", on: "web-2")) == [downThere.id])
        inhibitor.reset(firing: [])
        #expect(inhibitor.sourceCount == 0 && inhibitor.inhibitors(of: alert("disk full", on: "web-2")).isEmpty)
    }

    @Test func aFiringSourceInhibitsTargetsWithTheSameEqualLabelsOnly() {
        var inhibitor = Inhibitor(rules: [machineDown])
        let down = alert("machine down", on: "web-1", severity: .critical)
        inhibitor.observe(down)
        #expect(inhibitor.inhibitors(of: alert("disk full", on: "web-1", labels: ["mount": "/"])) == [down.id])
        #expect(inhibitor.inhibitors(of: alert("disk full", on: "web-2", labels: ["mount": "/"])).isEmpty, "another machine")
        #expect(
            inhibitor.inhibitors(of: alert("cpu high", on: "web-1", severity: .critical)).isEmpty,
            "a critical alert is no target")
    }

    @Test func aResolvedOrPendingSourceStopsInhibiting() {
        var inhibitor = Inhibitor(rules: [machineDown])
        let target = alert("disk full", on: "web-1")
        inhibitor.observe(alert("machine down", on: "web-1", severity: .critical))
        #expect(!inhibitor.inhibitors(of: target).isEmpty)
        inhibitor.observe(alert("machine down", on: "web-1", .resolved, severity: .critical))
        #expect(inhibitor.inhibitors(of: target).isEmpty)
        #expect(inhibitor.sourceCount == 0)
        inhibitor.observe(id: "machine down/web-1/[]", labels: ["rule": "machine down", "machine": "web-1"], firing: false)
        #expect(inhibitor.inhibitors(of: target).isEmpty, "a pending source inhibits nothing")
    }

    @Test func aSourceThatIsNotFiringIsNeverFiled() {
        var inhibitor = Inhibitor(rules: [machineDown])
        inhibitor.observe(alert("cpu high", on: "web-1", severity: .critical))
        #expect(inhibitor.sourceCount == 0, "it matches no source side")
    }

    @Test func withoutEqualLabelsAnySourceInhibitsEveryTarget() throws {
        let rule = InhibitRule(
            sourceMatchers: [try LabelMatcher(parsing: "rule=broker down")],
            targetMatchers: [try LabelMatcher(parsing: "rule=~queue.*")])
        var inhibitor = Inhibitor(rules: [rule])
        inhibitor.observe(alert("broker down", on: "mq-1", severity: .critical))
        #expect(!inhibitor.inhibitors(of: alert("queue backlog", on: "web-9")).isEmpty)
    }

    /// A label missing on both sides counts as equal (the empty string), as in Alertmanager.
    @Test func aLabelMissingOnBothSidesCountsAsEqual() throws {
        let rule = InhibitRule(
            sourceMatchers: [try LabelMatcher(parsing: "rule=machine down")],
            targetMatchers: [try LabelMatcher(parsing: "severity=warning")], equal: ["machine", "zone"])
        var inhibitor = Inhibitor(rules: [rule])
        inhibitor.observe(alert("machine down", on: "web-1", severity: .critical))
        #expect(!inhibitor.inhibitors(of: alert("disk full", on: "web-1")).isEmpty)
        #expect(inhibitor.inhibitors(of: alert("disk full", on: "web-1", labels: ["zone": "b"])).isEmpty)
    }

    @Test func anAlertNeverInhibitsItself() throws {
        let rule = InhibitRule(
            sourceMatchers: [try LabelMatcher(parsing: "rule=disk full")],
            targetMatchers: [try LabelMatcher(parsing: "rule=disk full")], equal: ["machine"])
        var inhibitor = Inhibitor(rules: [rule])
        let disk = alert("disk full", on: "web-1", labels: ["mount": "/"])
        inhibitor.observe(disk)
        #expect(inhibitor.inhibitors(of: disk).isEmpty)
    }

    /// Two alerts that each match both sides of a rule would otherwise mute each other, and nobody would be told.
    @Test func alertsMatchingBothSidesDoNotInhibitEachOther() throws {
        let rule = InhibitRule(
            sourceMatchers: [try LabelMatcher(parsing: "rule=disk full")],
            targetMatchers: [try LabelMatcher(parsing: "rule=disk full")], equal: ["machine"])
        var inhibitor = Inhibitor(rules: [rule])
        let root = alert("disk full", on: "web-1", labels: ["mount": "/"])
        let home = alert("disk full", on: "web-1", labels: ["mount": "/home"])
        inhibitor.observe(root)
        inhibitor.observe(home)
        #expect(inhibitor.inhibitors(of: root).isEmpty)
        #expect(inhibitor.inhibitors(of: home).isEmpty)
    }

    @Test func everyInhibitingAlertIsNamedOnce() throws {
        let critical = InhibitRule(
            sourceMatchers: [try LabelMatcher(parsing: "severity=critical")],
            targetMatchers: [try LabelMatcher(parsing: "severity=warning")], equal: ["machine"])
        var inhibitor = Inhibitor(rules: [machineDown, critical])
        let down = alert("machine down", on: "web-1", severity: .critical)
        let hot = alert("cpu high", on: "web-1", severity: .critical)
        inhibitor.observe(down)
        inhibitor.observe(hot)
        #expect(inhibitor.inhibitors(of: alert("disk full", on: "web-1")) == [down.id, hot.id].sorted())
        inhibitor.observe(alert("machine down", on: "web-1", .resolved, severity: .critical))
        #expect(inhibitor.inhibitors(of: alert("disk full", on: "web-1")) == [hot.id])
    }

    /// The grouper leaves an inhibited alert out, settles its transition, and tells it once its source resolved.
    @Test func theGrouperHoldsAnInhibitedAlertBackUntilItsSourceResolves() throws {
        let route = NotificationRoute(
            root: .init(
                receiver: "ops", groupBy: .labels(["rule"]), groupWait: .zero, groupInterval: .seconds(5),
                repeatInterval: .seconds(3600)))
        var grouper = AlertGrouper(root: route)
        var inhibitor = Inhibitor(rules: [machineDown])
        let down = alert("machine down", on: "web-1", severity: .critical)
        let disk = alert("disk full", on: "web-1")
        inhibitor.observe(down)
        inhibitor.observe(disk)
        grouper.receive(down, receipt: 1, atMs: 0)
        grouper.receive(disk, receipt: 2, atMs: 0)

        let first = grouper.flush(atMs: 0, silences: [], inhibitor: inhibitor)
        #expect(first.notifications.flatMap(\.alerts).map(\.id) == [down.id])
        #expect(first.inhibited == [AlertGrouper.InhibitedAlert(alert: disk, by: [down.id])])
        #expect(first.settled == [2])

        var resolvedDown = down
        resolvedDown.status = .resolved
        inhibitor.observe(resolvedDown)
        grouper.receive(resolvedDown, receipt: 3, atMs: 1000)
        let next = grouper.flush(atMs: 5000, silences: [], inhibitor: inhibitor)
        #expect(Set(next.notifications.flatMap(\.alerts).map(\.id)) == [down.id, disk.id])
        #expect(next.inhibited.isEmpty)
    }
}
