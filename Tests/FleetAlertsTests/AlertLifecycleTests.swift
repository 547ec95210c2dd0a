import FleetAlerts
import FleetCore
import FleetProto
import Testing

/// Alerts never fire forever (issue 13): a machine that went silent ends its threshold alerts, and a rule that is
/// no longer enabled leaves nothing behind in the engine.
@Suite struct AlertLifecycleTests {
    let rule = AlertRule(
        id: "r1", name: "cpu high",
        kind: .threshold(.init(metric: MetricName.cpuUsagePercent, comparator: .greaterThan, value: 80)),
        matchers: [:], forDuration: .zero, severity: .critical, description: "cpu {{value}}")
    let silence = AlertRule(
        id: "quiet", name: "silent", kind: .noData(silence: .seconds(60)), matchers: [:], forDuration: .zero,
        severity: .warning, description: "")

    func batch(_ machine: String, at second: Int64, cpu: Double) -> Fleetwatch_V1_MetricBatch {
        .with {
            $0.machine = .with {
                $0.machineID = machine
                $0.hostname = "host-\(machine)"
            }
            $0.timestampMs = second * 1000
            $0.receivedMs = second * 1000
            $0.samples = ["0", "1"].map { cpu0 in
                .with {
                    $0.name = MetricName.cpuUsagePercent
                    $0.labels = ["cpu": cpu0]
                    $0.value = cpu
                }
            }
        }
    }

    @Test func aSilentMachineEndsItsThresholdAlertsNamingTheSeries() {
        var engine = AlertEngine()
        let fired = engine.evaluate(batch("m1", at: 100, cpu: 95), rules: [rule])
        #expect(fired.filter { $0.to == .firing }.count == 2)

        // Heard of within the cutoff: nothing ends.
        #expect(engine.endSilent(notSeenSince: 100_000, nowMs: 150_000, rules: [rule]).isEmpty)

        let ended = engine.endSilent(notSeenSince: 300_000, nowMs: 400_000, rules: [rule])
        #expect(ended.count == 2)
        #expect(Set(ended.map { $0.labels["cpu"] ?? "" }) == ["0", "1"])
        for transition in ended {
            #expect(transition.from == .firing && transition.to == .resolved)
            #expect(transition.reason == AlertEnd.machineSilent.rawValue)
            #expect(transition.atMs == 400_000 && transition.hostname == "host-m1")
            #expect(transition.sequence == fired[0].sequence)
            #expect(transition.ruleName == "cpu high" && transition.value == 95)
        }
        // Ended once only.
        #expect(engine.endSilent(notSeenSince: 500_000, nowMs: 600_000, rules: [rule]).isEmpty)

        // Back and still breaching: a new alert (pending and firing at once: for-duration 0), not the old one.
        let again = engine.evaluate(batch("m1", at: 700, cpu: 95), rules: [rule])
        #expect(again.filter { $0.to == .firing }.count == 2)
        #expect(again.allSatisfy { $0.sequence > fired[0].sequence })
    }

    @Test func aNoDataRuleKeepsWatchingTheSilentMachine() {
        var engine = AlertEngine()
        _ = engine.evaluate(batch("m1", at: 100, cpu: 95), rules: [rule, silence])
        let ended = engine.endSilent(notSeenSince: 300_000, nowMs: 400_000, rules: [rule, silence])
        #expect(ended.count == 2 && ended.allSatisfy { $0.to == .resolved })
        // The machine stays known, so the no-data rule fires for it.
        let quiet = engine.evaluateSilence(nowMs: 400_000, rules: [rule, silence])
        #expect(quiet.map(\.to) == [.pending, .firing])
        #expect(quiet.allSatisfy { $0.ruleID == "quiet" && $0.machineID == "m1" })
    }

    @Test func aRuleThatIsNoLongerEnabledLeavesNoState() {
        var engine = AlertEngine()
        let first = engine.evaluate(batch("m1", at: 100, cpu: 95), rules: [rule])
        #expect(first.contains { $0.to == .firing })
        engine.dropRules(notIn: [])
        // Enabled again: the breach starts a new alert instead of continuing one history says has ended.
        let again = engine.evaluate(batch("m1", at: 105, cpu: 95), rules: [rule])
        #expect(again.map(\.to).filter { $0 == .firing }.count == 2)
        #expect(again.allSatisfy { $0.sequence > first[0].sequence })
    }
}
