import FleetCore
import FleetProto
import Testing

/// Issue 12, defect 4, for fleet.events: the checks a live view applies to alert transitions, machine retirements
/// and probe echoes before showing them (anyone with broker access can publish there).
@Suite struct FleetEventValidationTests {
    let now = NormalizerTests.now
    static let year3000Ms = MetricBatchValidationTests.year3000Ms

    func transition() -> Fleetwatch_V1_AlertTransition {
        .with {
            $0.ruleID = "0b9e1c4a-8d0f-4c55-9a57-3f1f0f3c2d11"
            $0.ruleVersion = 2
            $0.machineID = "web-1"
            $0.labels = ["cpu": "total"]
            $0.from = .pending
            $0.to = .firing
            $0.atMs = now - 1000
            $0.value = 97.5
            $0.sequence = 4
            $0.ruleName = "CPU hot"
            $0.severity = .critical
            $0.description_p = "CPU hot: cpu.usage_percent {cpu=total} is 97.5 (> 90) on web-1.example.com"
            $0.hostname = "web-1.example.com"
        }
    }

    func refusal(_ mutate: (inout Fleetwatch_V1_AlertTransition) -> Void) -> ValidationError? {
        refusal(of: transition(), mutate)
    }

    /// The refusal of `event` once `mutate` changed it (nil: accepted).
    func refusal<Event: CheckedEvent>(of event: Event, _ mutate: (inout Event) -> Void) -> ValidationError? {
        var event = event
        mutate(&event)
        do {
            try event.validate(limits: .standard, nowMs: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsTheTransitionsThePipelineMakes() throws {
        try transition().validate(nowMs: now)
        // An alert the config service ends: no value, a reason, from an open status to a closed one.
        var ended = transition()
        ended.clearValue()
        ended.from = .firing
        ended.to = .resolved
        ended.reason = AlertEnd.machineRetired.rawValue
        try ended.validate(nowMs: now)
        // A first transition starts from nothing.
        var first = transition()
        first.from = .unspecified
        first.to = .pending
        try first.validate(nowMs: now)
    }

    @Test func refusesATransitionForAMachineIDTheEdgeWouldRefuse() {
        #expect(refusal { $0.machineID = "../../x" }?.field == "machine_id")
        #expect(refusal { $0.machineID = "" }?.field == "machine_id")
        #expect(refusal { $0.machineID = String(repeating: "m", count: 129) }?.field == "machine_id")
    }

    @Test func refusesATransitionOutsideTheTimeWindow() {
        #expect(refusal { $0.atMs = Self.year3000Ms }?.field == "at_ms")
        #expect(refusal { $0.atMs = now + 5 * 60 * 1000 + 1 }?.field == "at_ms")
        #expect(refusal { $0.atMs = 0 }?.field == "at_ms")
        #expect(refusal { $0.atMs = now + 5 * 60 * 1000 } == nil)
    }

    @Test func refusesUnboundedStrings() {
        let megabyte = String(repeating: "x", count: 1 << 20)
        #expect(refusal { $0.description_p = megabyte }?.description == "description: 1048576 bytes, at most 16384")
        #expect(refusal { $0.hostname = megabyte }?.description == "hostname: 1048576 bytes, at most 253")
        #expect(refusal { $0.ruleName = megabyte }?.field == "rule_name")
        #expect(refusal { $0.reason = megabyte }?.field == "reason")
        #expect(refusal { $0.ruleID = megabyte }?.field == "rule_id")
        #expect(refusal { $0.ruleID = "" }?.description == "rule_id: is empty")
        // At the bound is fine: a rule name of 200 four-byte characters.
        #expect(refusal { $0.ruleName = String(repeating: "🔥", count: AlertRule.maxNameLength) } == nil)
    }

    @Test func refusesLabelsBeyondAReadingsBounds() {
        #expect(refusal { $0.labels = Dictionary(uniqueKeysWithValues: (0..<17).map { ("l\($0)", "v") }) }?.description
            == "labels: 17 labels, at most 16")
        #expect(refusal { $0.labels = ["cpu": String(repeating: "v", count: 257)] }?.field == "labels")
        #expect(refusal { $0.labels = ["": "v"] }?.field == "labels")
    }

    @Test func refusesUnknownStatusesAndSeverities() {
        #expect(refusal { $0.to = .unspecified }?.description == "to: is unspecified")
        #expect(refusal { $0.to = .UNRECOGNIZED(9) }?.field == "to")
        #expect(refusal { $0.from = .UNRECOGNIZED(9) }?.field == "from")
        #expect(refusal { $0.severity = .UNRECOGNIZED(7) }?.field == "severity")
    }

    @Test func refusesAValueNoReaderCanShow() {
        #expect(refusal { $0.value = .infinity }?.field == "value")
        #expect(refusal { $0.value = .nan }?.field == "value")
        #expect(refusal { $0.value = 1e308 }?.field == "value")
        #expect(refusal { $0.value = -1e300 } == nil)
    }

    @Test func refusesNegativeCounters() {
        #expect(refusal { $0.sequence = -1 }?.field == "sequence")
        #expect(refusal { $0.ruleVersion = -1 }?.field == "rule_version")
    }

    @Test func checksARetirementsMachineAndTime() throws {
        let retired = Fleetwatch_V1_MachineRetired.with {
            $0.machineID = "web-1"
            $0.retiredMs = now
        }
        try retired.validate(nowMs: now)
        func refusalOf(_ mutate: (inout Fleetwatch_V1_MachineRetired) -> Void) -> ValidationError? { refusal(of: retired, mutate) }
        // A year-3000 retirement would keep the machine out of the live view for good.
        #expect(refusalOf { $0.retiredMs = Self.year3000Ms }?.field == "retired_ms")
        #expect(refusalOf { $0.retiredMs = 0 }?.field == "retired_ms")
        #expect(refusalOf { $0.machineID = "../../x" }?.field == "machine_id")
    }

    @Test func checksAProbeEchosMachineHopAndTimes() throws {
        let echo = Fleetwatch_V1_ProbeEcho.with {
            $0.machineID = "probe-1"
            $0.sequence = 9
            $0.sentMs = now - 40
            $0.hop = ProbeHop.persisted.rawValue
            $0.observedMs = now - 10
        }
        try echo.validate(nowMs: now)
        func refusalOf(_ mutate: (inout Fleetwatch_V1_ProbeEcho) -> Void) -> ValidationError? { refusal(of: echo, mutate) }
        #expect(refusalOf { $0.hop = "teleported" }?.field == "hop")
        #expect(refusalOf { $0.sentMs = 1 }?.field == "sent_ms")
        #expect(refusalOf { $0.observedMs = Self.year3000Ms }?.field == "observed_ms")
        #expect(refusalOf { $0.machineID = "a.b" }?.field == "machine_id")
    }
}

/// The fleet.events messages a live view checks, for one test helper over all three.
protocol CheckedEvent {
    func validate(limits: BatchLimits, nowMs: Int64) throws(ValidationError)
}

extension Fleetwatch_V1_AlertTransition: CheckedEvent {}
extension Fleetwatch_V1_MachineRetired: CheckedEvent {}
extension Fleetwatch_V1_ProbeEcho: CheckedEvent {}
