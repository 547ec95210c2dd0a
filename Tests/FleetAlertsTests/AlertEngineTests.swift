import FleetAlerts
import FleetCore
import FleetProto
import Testing

@Suite struct AlertEngineTests {
    let rule = AlertRule(
        id: "r1", name: "cpu high",
        kind: .threshold(.init(metric: MetricName.cpuUsagePercent, comparator: .greaterThan, value: 80)),
        matchers: ["cpu": "total"], forDuration: .seconds(10), severity: .critical,
        description: "{{hostname}} cpu {{value}}")

    func batch(_ machine: String, at second: Int64, cpu: Double) -> Fleetwatch_V1_MetricBatch {
        .with {
            $0.machine = .with {
                $0.machineID = machine
                $0.hostname = "host-\(machine)"
            }
            $0.timestampMs = second * 1000
            $0.samples = [
                .with {
                    $0.name = MetricName.cpuUsagePercent
                    $0.labels = ["cpu": "total"]
                    $0.value = cpu
                    $0.timestampMs = second * 1000
                },
                .with {
                    $0.name = MetricName.cpuUsagePercent
                    $0.labels = ["cpu": "0"]
                    $0.value = 100
                    $0.timestampMs = second * 1000
                },
            ]
        }
    }

    @Test func firesPerMachineWithTheRuleFilledIn() {
        var engine = AlertEngine()
        var transitions: [Fleetwatch_V1_AlertTransition] = []
        for second in stride(from: Int64(0), through: 20, by: 5) {
            transitions += engine.evaluate(batch("m1", at: second, cpu: 95), rules: [rule])
            transitions += engine.evaluate(batch("m2", at: second, cpu: 10), rules: [rule])
        }
        #expect(transitions.map(\.to) == [.pending, .firing])
        let firing = transitions[1]
        #expect(firing.machineID == "m1" && firing.labels == ["cpu": "total"])
        #expect(firing.atMs == 10_000 && firing.sequence == 1)
        #expect(firing.ruleName == "cpu high" && firing.severity == .critical)
        #expect(firing.description_p == "host-m1 cpu 95")
    }

    /// Anyone with broker access can publish on fleet.metrics: an Inf used to fire the rule with a value no reader of
    /// alert history could encode, and a NaN (comparing false) to resolve a firing alert.
    @Test func unusableValuesNeitherFireNorResolve() {
        var engine = AlertEngine()
        var transitions: [Fleetwatch_V1_AlertTransition] = []
        for second in stride(from: Int64(0), through: 15, by: 5) {
            transitions += engine.evaluate(batch("m1", at: second, cpu: .infinity), rules: [rule])
        }
        #expect(transitions.isEmpty)
        for second in stride(from: Int64(20), through: 30, by: 5) {
            transitions += engine.evaluate(batch("m1", at: second, cpu: 95), rules: [rule])
        }
        for second in stride(from: Int64(35), through: 60, by: 5) {
            transitions += engine.evaluate(batch("m1", at: second, cpu: second.isMultiple(of: 2) ? .nan : 1e308), rules: [rule])
        }
        #expect(transitions.map(\.to) == [.pending, .firing])
        #expect(transitions.allSatisfy { $0.value == 95 })
    }

    @Test func restoredOpenAlertsContinueInsteadOfFiringAgain() {
        var engine = AlertEngine()
        #expect(engine.needsRestore("m1"))
        engine.restore(
            "m1",
            openAlerts: [
                .with {
                    $0.ruleID = "r1"
                    $0.machineID = "m1"
                    $0.labels = ["cpu": "total"]
                    $0.status = .firing
                    $0.sequence = 5000
                    $0.startedMs = 5000
                }
            ])
        #expect(!engine.needsRestore("m1"))
        #expect(engine.evaluate(batch("m1", at: 100, cpu: 99), rules: [rule]).isEmpty)
        let resolved = engine.evaluate(batch("m1", at: 105, cpu: 10), rules: [rule])
        #expect(resolved.map(\.to) == [.resolved])
        #expect(resolved.first?.sequence == 5000)
    }

    @Test func disabledRulesAreIgnored() {
        var disabled = rule
        disabled.enabled = false
        var engine = AlertEngine()
        #expect(engine.evaluate(batch("m1", at: 0, cpu: 99), rules: [disabled]).isEmpty)
    }

    @Test func ruleBookKeepsTheNewestVersion() throws {
        let book = RuleBook()
        func wire(_ version: Int64, threshold: Double) -> Fleetwatch_V1_Rule {
            .with {
                $0.id = "r1"
                $0.name = "cpu"
                $0.metric = MetricName.cpuUsagePercent
                $0.comparator = .greater
                $0.threshold = threshold
                $0.version = version
                $0.enabled = true
            }
        }
        book.apply(.with {
            $0.kind = .updated
            $0.rule = wire(3, threshold: 90)
        })
        book.replaceAll([wire(2, threshold: 80)])  // a reload that read before the update
        #expect(book.active.first?.version == 3)
        book.apply(.with {
            $0.kind = .deleted
            $0.rule = wire(3, threshold: 90)
        })
        #expect(book.active.isEmpty)
        book.apply(.with {
            $0.kind = .updated
            $0.rule = wire(3, threshold: 90)
        })  // late duplicate of an older change
        #expect(book.active.isEmpty)
    }
}

@Suite struct ProbeMachinesTests {
    @Test func probeMachinesNeverAlertNorCountForNoData() {
        var engine = AlertEngine()
        let rule = AlertRule(
            id: "p", name: "any cpu",
            kind: .threshold(.init(metric: MetricName.cpuUsagePercent, comparator: .greaterThan, value: 0)),
            matchers: [:], forDuration: .zero)
        let silence = AlertRule(id: "s", name: "silent", kind: .noData(silence: .seconds(30)), matchers: [:], forDuration: .zero)
        let probe = Fleetwatch_V1_MetricBatch.with {
            $0.machine = .with {
                $0.machineID = "probe-ci"
                $0.labels = [Probe.label: "ci"]
            }
            $0.timestampMs = 1_000
            $0.samples = [.with {
                $0.name = MetricName.cpuUsagePercent
                $0.value = 99
                $0.timestampMs = 1_000
            }]
        }
        #expect(engine.evaluate(probe, rules: [rule, silence]).isEmpty)
        #expect(engine.evaluateSilence(nowMs: 1_000_000, rules: [silence]).isEmpty)
    }
}
