import FleetCore
import FleetProto
import Testing

@Suite struct LabelMatcherTests {
    let labels = ["machine": "web-1", "severity": "critical", "mount": "/var"]

    @Test func theFourOperatorsAsAlertmanagerWritesThem() throws {
        #expect(try LabelMatcher(parsing: "machine=web-1").matches(labels))
        #expect(try !LabelMatcher(parsing: "machine!=web-1").matches(labels))
        #expect(try LabelMatcher(parsing: "machine=~web-.*").matches(labels))
        #expect(try !LabelMatcher(parsing: "machine!~web-.*").matches(labels))
        #expect(try LabelMatcher(parsing: "mount = \"/var\"").matches(labels))
    }

    @Test func regexesAreAnchored() throws {
        #expect(try !LabelMatcher(parsing: "machine=~web").matches(labels))
        #expect(try !LabelMatcher(parsing: "machine=~eb-1").matches(labels))
        #expect(try LabelMatcher(parsing: "machine=~web|db-1").matches(["machine": "db-1"]))
    }

    @Test func aMissingLabelIsTheEmptyString() throws {
        #expect(try LabelMatcher(parsing: "env!=prod").matches(labels))
        #expect(try !LabelMatcher(parsing: "env=prod").matches(labels))
        #expect(try LabelMatcher(parsing: "env=").matches(labels))
    }

    @Test func badMatchersAreRefusedNamingTheProblem() {
        #expect(throws: ValidationError.self) { try LabelMatcher(parsing: "machine") }
        #expect(throws: ValidationError.self) { try LabelMatcher(parsing: "=web") }
        #expect(throws: ValidationError.self) { try LabelMatcher(parsing: "machine=~(") }
        #expect(throws: ValidationError.self) { try LabelMatcher(parsing: "ma chine=web") }
        do {
            _ = try LabelMatcher(parsing: "machine=~(")
            Issue.record("a regex that does not compile was accepted")
        } catch {
            #expect(error.description.contains("does not compile"))
        }
    }

    @Test func alertLabelsCarryTheAlertsOwnNamesOverSeriesLabels() {
        var transition = Fleetwatch_V1_AlertTransition()
        transition.machineID = "web-1"
        transition.hostname = "web-1.example"
        transition.ruleID = "r1"
        transition.ruleName = "cpu high"
        transition.severity = .critical
        transition.labels = ["cpu": "3", "machine": "spoofed"]
        let labels = AlertLabels.of(transition)
        #expect(labels == [
            "cpu": "3", "machine": "web-1", "hostname": "web-1.example", "rule": "cpu high", "rule_id": "r1",
            "severity": "critical",
        ])
    }
}

@Suite struct SilenceTests {
    static func silence(_ matchers: [String], from start: Int64 = 1_000, to end: Int64 = 2_000) throws -> Silence {
        Silence(
            id: "s1", matchers: try matchers.map { try LabelMatcher(parsing: $0) }, startsAtMs: start, endsAtMs: end,
            createdBy: "ops", comment: "maintenance", createdAtMs: 500)
    }

    @Test func silencesOnlyWhileActiveAndOnlyWhatItsMatchersSelect() throws {
        let silence = try Self.silence(["machine=web-1", "severity=~critical|warning"])
        let alert = ["machine": "web-1", "severity": "critical"]
        #expect(silence.state(atMs: 999) == .pending)
        #expect(!silence.silences(alert, atMs: 999))
        #expect(silence.state(atMs: 1_000) == .active)
        #expect(silence.silences(alert, atMs: 1_000))
        #expect(!silence.silences(["machine": "web-2", "severity": "critical"], atMs: 1_500))
        #expect(!silence.silences(["machine": "web-1", "severity": "info"], atMs: 1_500))
        #expect(silence.state(atMs: 2_000) == .expired)
        #expect(!silence.silences(alert, atMs: 2_000))
        #expect([silence].silencing(alert, atMs: 1_500) == ["s1"])
    }

    @Test func expiringEndsItNowAndLeavesAnEndedOneAlone() throws {
        let silence = try Self.silence(["machine=web-1"])
        let expired = silence.expired(atMs: 1_200)
        #expect(expired.endsAtMs == 1_200 && expired.updatedAtMs == 1_200)
        #expect(expired.state(atMs: 1_200) == .expired)
        let pending = silence.expired(atMs: 800)
        #expect(pending.startsAtMs == 800 && pending.endsAtMs == 800)
        #expect(pending.state(atMs: 800) == .expired && pending.state(atMs: 1_500) == .expired)
        #expect(silence.expired(atMs: 5_000) == silence)
    }

    @Test func problemsNameTheField() throws {
        #expect(try Self.silence(["machine=web-1"]).problems().isEmpty)
        #expect(try Self.silence([]).problems().map(\.field) == ["matchers"])
        #expect(try Self.silence(["env!=prod"]).problems().map(\.field) == ["matchers"])
        #expect(try Self.silence(["machine=web-1"], from: 2_000, to: 1_000).problems().map(\.field) == ["ends_at_ms"])
        var anonymous = try Self.silence(["machine=web-1"])
        anonymous.createdBy = "  "
        #expect(anonymous.problems().map(\.field) == ["created_by"])
    }
}
