import FleetBus
import FleetCore
import FleetFanout
import FleetProto
import FleetTestSupport
import Logging
import Synchronization
import Testing

/// Issue 12, defect 4, for fleet.events: anyone with broker access could retire any machine from the live view for
/// good (a year-3000 `retired_ms`) or inject alerts with unbounded strings and values no reader can show. The live
/// view checks each event at its boundary and skips, counts and logs (once) what it refuses.
@Suite(.timeLimit(.minutes(1))) struct LiveEventGateTests {
    static let nowMs: Int64 = 1_800_000_000_000
    static let year3000Ms: Int64 = 32_503_680_000_000

    /// How many deliveries the consumer passed on to `onEvent`.
    final class PassedOn: Sendable {
        let count = Mutex(0)
    }

    static func delivery(_ type: String, _ body: [UInt8]) -> Delivery {
        Delivery(
            exchange: FleetExchange.events, routingKey: "test", body: body, type: type, headers: [:], redelivered: false,
            tag: 1, epoch: 1)
    }

    static func retirement(_ machine: String, atMs: Int64) throws -> Delivery {
        let retired = Fleetwatch_V1_MachineRetired.with {
            $0.machineID = machine
            $0.retiredMs = atMs
        }
        return delivery(MessageType.machineRetired, try retired.serializedBytes())
    }

    static func alert(_ mutate: (inout Fleetwatch_V1_AlertTransition) -> Void = { _ in }) throws -> Delivery {
        var transition = Fleetwatch_V1_AlertTransition.with {
            $0.ruleID = "r1"
            $0.ruleVersion = 1
            $0.machineID = "m1"
            $0.from = .pending
            $0.to = .firing
            $0.atMs = nowMs
            $0.value = 97
            $0.sequence = 1
            $0.ruleName = "CPU hot"
            $0.severity = .critical
        }
        mutate(&transition)
        return delivery(MessageType.alertTransition, try transition.serializedBytes())
    }

    @Test func aRetirementFromTheFarFutureKeepsNoMachineOut() throws {
        let hub = LiveHub()
        hub.apply(metricBatch("m1", at: Self.nowMs, [("load.1m", 1)]))
        let gate = LiveEventGate(hub: hub, logger: Logger(label: "test"))

        #expect(gate.apply(try Self.retirement("m1", atMs: Self.year3000Ms), nowMs: Self.nowMs) == .refused)
        #expect(hub.machine("m1") != nil)
        #expect(gate.apply(try Self.retirement("../../x", atMs: Self.nowMs), nowMs: Self.nowMs) == .refused)

        // A retirement in the window still works, and a later batch brings the machine back.
        #expect(gate.apply(try Self.retirement("m1", atMs: Self.nowMs), nowMs: Self.nowMs) == .applied)
        #expect(hub.machine("m1") == nil)
        hub.apply(metricBatch("m1", at: Self.nowMs + 1000, [("load.1m", 1)]))
        #expect(hub.machine("m1") != nil)
    }

    @Test func injectedAlertsOutsideTheBoundsNeverOpen() throws {
        let hub = LiveHub()
        let gate = LiveEventGate(hub: hub, logger: Logger(label: "test"))
        let refused = [
            try Self.alert { $0.value = .infinity },
            try Self.alert { $0.description_p = String(repeating: "x", count: 1 << 20) },
            try Self.alert { $0.machineID = "../../x" },
            try Self.alert { $0.atMs = Self.year3000Ms },
            try Self.alert { $0.to = .UNRECOGNIZED(42) },
            try Self.alert { $0.labels = Dictionary(uniqueKeysWithValues: (0..<100).map { ("l\($0)", "v") }) },
        ]
        for delivery in refused { #expect(gate.apply(delivery, nowMs: Self.nowMs) == .refused) }
        #expect(hub.alerts(of: "m1", atMs: Self.nowMs) == MachineAlerts())
        #expect(hub.alerts(of: "../../x", atMs: Self.nowMs) == MachineAlerts())

        #expect(gate.apply(try Self.alert(), nowMs: Self.nowMs) == .applied)
        #expect(hub.alerts(of: "m1", atMs: Self.nowMs).firing == 1)
    }

    @Test func anUndecodableEventIsRefusedAndOtherEventsArePassedOver() throws {
        let hub = LiveHub()
        let gate = LiveEventGate(hub: hub, logger: Logger(label: "test"))
        #expect(gate.apply(Self.delivery(MessageType.alertTransition, [0xFF, 0xFF, 0xFF]), nowMs: Self.nowMs) == .refused)
        #expect(gate.apply(Self.delivery(MessageType.ruleChange, [0xFF]), nowMs: Self.nowMs) == .ignored)
        #expect(gate.apply(Self.delivery("text/plain", []), nowMs: Self.nowMs) == .ignored)
    }

    @Test func logsEachKindMachineAndFieldOnce() throws {
        let captured = CapturedLogs()
        let gate = LiveEventGate(hub: LiveHub(), logger: captured.logger)
        for _ in 0..<20 {
            gate.apply(try Self.retirement("m1", atMs: Self.year3000Ms), nowMs: Self.nowMs)
            gate.apply(try Self.alert { $0.atMs = Self.year3000Ms }, nowMs: Self.nowMs)
            gate.apply(try Self.alert { $0.hostname = String(repeating: "h", count: 300) }, nowMs: Self.nowMs)
        }
        gate.apply(try Self.retirement("m2", atMs: Self.year3000Ms), nowMs: Self.nowMs)

        let lines = captured.lines.withLock { $0 }
        #expect(lines.map { "\($0.metadata["kind"] ?? "") \($0.metadata["machine"] ?? "")" } == [
            "machine_retired m1", "alert_transition m1", "alert_transition m1", "machine_retired m2",
        ])
        #expect(lines.first?.message.contains("refused at the live view's boundary") == true)
        #expect(lines.first?.metadata["error"]?.description.hasPrefix("retired_ms: 32503680000000 is more than 300 s") == true)
    }

    /// Through the consumer on the in-process bus: a refused retirement leaves the machine in the live view, and
    /// the next (valid) one takes it out.
    @Test func theFanoutConsumerSkipsRefusedEvents() async throws {
        let bus = InProcessBus()
        try await bus.declare(.fanout(instance: "t"))
        let hub = LiveHub()
        hub.apply(metricBatch("m1", at: Self.nowMs, [("load.1m", 1)]))
        let passedOn = PassedOn()
        let consumer = FanoutConsumer(
            bus: bus, instance: "t", hub: hub, logger: Logger(label: "test"),
            onEvent: { _ in passedOn.count.withLock { $0 += 1 } })
        let running = Task { try await consumer.run(now: { Self.nowMs }) }
        defer { running.cancel() }

        func publish(_ retiredMs: Int64) async throws {
            let retired = Fleetwatch_V1_MachineRetired.with {
                $0.machineID = "m1"
                $0.retiredMs = retiredMs
            }
            try await bus.publish([try FleetEvents.machineRetired(retired)])
            await bus.waitUntilIdle([FleetQueue.fanout("t")])
        }
        try await publish(Self.year3000Ms)
        #expect(hub.machine("m1") != nil)
        #expect(passedOn.count.withLock { $0 } == 0)
        try await publish(Self.nowMs)
        #expect(hub.machine("m1") == nil)
        #expect(passedOn.count.withLock { $0 } == 1)
    }
}
