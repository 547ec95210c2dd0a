import FleetCore
import Testing

/// The alert state machine, driven like Prometheus's rule tests: a series of samples at given times and the
/// status expected after each.
@Suite struct AlertStateTests {
    func rule(
        _ comparator: AlertRule.Comparator = .greaterThan, _ threshold: Double = 80, resolve: Double? = nil,
        for seconds: Int64 = 15
    ) -> AlertRule {
        AlertRule(
            id: "r1", name: "cpu high",
            kind: .threshold(.init(metric: MetricName.cpuUsagePercent, comparator: comparator, value: threshold, resolveValue: resolve)),
            matchers: ["cpu": "total"], forDuration: .seconds(seconds))
    }

    /// Feeds (second, value) pairs; returns the status after each and every transition.
    func run(_ rule: AlertRule, _ samples: [(Int64, Double)], state: inout AlertState) -> ([AlertStatus], [AlertTransition]) {
        var statuses: [AlertStatus] = []
        var transitions: [AlertTransition] = []
        for (second, value) in samples {
            transitions += state.observe(value: value, atMs: second * 1000, rule: rule, machineID: "m1", labels: ["cpu": "total"])
            statuses.append(state.status)
        }
        return (statuses, transitions)
    }

    @Test func firesOnlyAfterTheForDurationAndResolvesWhenTheValueDrops() {
        var state = AlertState()
        let (statuses, transitions) = run(rule(), [(0, 50), (5, 85), (10, 90), (19, 95), (20, 95), (25, 70), (30, 70)], state: &state)
        #expect(statuses == [.inactive, .pending, .pending, .pending, .firing, .resolved, .inactive])
        #expect(transitions.map(\.to) == [.pending, .firing, .resolved])
        #expect(transitions.map(\.atMs) == [5000, 20000, 25000])
        #expect(transitions.map(\.value) == [85, 95, 70])
        #expect(Set(transitions.map(\.sequence)) == [5000])
    }

    @Test func aZeroForDurationFiresOnTheFirstBreach() {
        var state = AlertState()
        let (statuses, transitions) = run(rule(for: 0), [(0, 81)], state: &state)
        #expect(statuses == [.firing])
        #expect(transitions.map(\.to) == [.pending, .firing])
    }

    @Test func aBreachShorterThanForNeverFires() {
        var state = AlertState()
        let (statuses, transitions) = run(rule(), [(0, 90), (10, 90), (14, 50), (20, 90), (30, 90)], state: &state)
        #expect(statuses == [.pending, .pending, .inactive, .pending, .pending])
        #expect(transitions.map(\.to) == [.pending, .inactive, .pending])
        #expect(!transitions.contains { $0.to == .firing })
        #expect(transitions.map(\.sequence) == [1, 1, 20000])
    }

    @Test func hysteresisKeepsItFiringUntilTheResolveThreshold() {
        var state = AlertState()
        let (statuses, _) = run(
            rule(resolve: 70, for: 0), [(0, 85), (5, 79), (10, 75), (15, 81), (20, 71), (25, 70)], state: &state)
        #expect(statuses == [.firing, .firing, .firing, .firing, .firing, .resolved])
    }

    @Test func flappingAroundTheLineMakesSeparateFiringsWithTheirOwnSequence() {
        var state = AlertState()
        let (_, transitions) = run(rule(for: 0), [(0, 90), (5, 10), (10, 90), (15, 10)], state: &state)
        #expect(transitions.map(\.to) == [.pending, .firing, .resolved, .pending, .firing, .resolved])
        #expect(transitions.map(\.sequence) == [1, 1, 1, 10000, 10000, 10000])
    }

    @Test func lessThanRulesWork() {
        var state = AlertState()
        let (statuses, _) = run(rule(.lessThan, 10, resolve: 20, for: 0), [(0, 50), (1, 5), (2, 15), (3, 25)], state: &state)
        #expect(statuses == [.inactive, .firing, .firing, .resolved])
    }

    @Test func aRuleEditedWhilePendingAppliesAtTheNextSample() {
        var state = AlertState()
        _ = run(rule(), [(0, 85)], state: &state)
        #expect(state.status == .pending)
        var raised = rule(.greaterThan, 90)
        raised.version = 2
        let (statuses, transitions) = run(raised, [(5, 85)], state: &state)
        #expect(statuses == [.inactive])
        #expect(transitions.first?.ruleVersion == 2)

        // Shortening the for-duration of a pending alert lets it fire at once.
        _ = run(rule(), [(10, 95)], state: &state)
        let (after, _) = run(rule(for: 1), [(12, 95)], state: &state)
        #expect(after == [.firing])
    }

    @Test func noDataFiresWhenAMachineFallsSilentAndResolvesWhenItReturns() {
        let silent = AlertRule(id: "r2", name: "silent", kind: .noData(silence: .seconds(30)), forDuration: .zero)
        var state = AlertState()
        var statuses: [AlertStatus] = []
        for (now, lastSeen) in [(10, 5), (34, 5), (35, 5), (60, 5), (61, 61)] as [(Int64, Int64)] {
            _ = state.observe(lastSeenMs: lastSeen * 1000, nowMs: now * 1000, rule: silent, machineID: "m1")
            statuses.append(state.status)
        }
        #expect(statuses == [.inactive, .inactive, .firing, .firing, .resolved])
    }
}

@Suite struct AlertRuleTests {
    func threshold(_ metric: String = MetricName.cpuUsagePercent, _ comparator: AlertRule.Comparator = .greaterThan,
                   _ value: Double = 80, resolve: Double? = nil) -> AlertRule {
        AlertRule(id: "r", name: "cpu", kind: .threshold(.init(metric: metric, comparator: comparator, value: value, resolveValue: resolve)))
    }

    @Test func validRulesPass() throws {
        try threshold().validate()
        try threshold(resolve: 70).validate()
        try threshold(MetricName.diskUsedPercent, .lessThan, 5, resolve: 10).validate()
        try AlertRule(id: "n", name: "silent", kind: .noData(silence: .seconds(60))).validate()
    }

    @Test(arguments: [
        (AlertRule(id: "r", name: " ", kind: .noData(silence: .seconds(60))), "name"),
        (AlertRule(id: "r", name: "x", kind: .threshold(.init(metric: "cpu.bogus", comparator: .greaterThan, value: 1))), "metric"),
        (AlertRule(id: "r", name: "x", kind: .threshold(.init(metric: "load.1m", comparator: .greaterThan, value: .nan))), "threshold"),
        (AlertRule(id: "r", name: "x", kind: .threshold(.init(metric: "load.1m", comparator: .greaterThan, value: 5, resolveValue: 6))), "resolve_threshold"),
        (AlertRule(id: "r", name: "x", kind: .noData(silence: .seconds(1))), "no_data_seconds"),
        (AlertRule(id: "r", name: "x", kind: .noData(silence: .seconds(60)), forDuration: .seconds(-1)), "for_seconds"),
        (AlertRule(id: "r", name: "x", kind: .noData(silence: .seconds(60)), matchers: ["bad key": "1"]), "matchers"),
    ])
    func invalidRulesNameTheField(rule: AlertRule, field: String) {
        #expect(throws: RuleError.self) { try rule.validate() }
        do { try rule.validate() } catch { #expect(error.field == field) }
    }

    @Test func matchersSelectMachineAndLabels() {
        var rule = threshold()
        rule.matchers = ["machine": "m1", "cpu": "total"]
        #expect(rule.matches(machine: "m1", labels: ["cpu": "total"]))
        #expect(!rule.matches(machine: "m2", labels: ["cpu": "total"]))
        #expect(!rule.matches(machine: "m1", labels: ["cpu": "0"]))
    }

    @Test func descriptionsFillInThePlaceholders() {
        var rule = threshold()
        rule.description = "{{hostname}} ({{machine}}) at {{value}} over {{threshold}} {{labels}}"
        #expect(rule.render(machine: "m1", hostname: "web", value: 91.256, labels: ["cpu": "total"]) == "web (m1) at 91.26 over 80 cpu=total")
        #expect(threshold().render(machine: "m1", hostname: "web", value: 85, labels: [:]).contains("is 85 (> 80) on web"))
    }
}
