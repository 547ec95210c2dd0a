import FleetBus
import FleetCore
import FleetProto
import Foundation
import Logging
import Synchronization
import Testing

@testable import FleetAlerts

/// The dispatcher on the in-process bus, with a clock in the test's hands and destinations that record what they
/// were given: grouping, at-least-once acks, dead-lettering, silences.
@Suite struct NotificationDispatcherTests {
    final class TestClock: Sendable {
        private let millis = Mutex<Int64>(0)
        var now: Int64 { millis.withLock { $0 } }
        func set(_ value: Int64) { millis.withLock { $0 = value } }
    }

    final class Recorder: NotificationIntegration {
        let kind = "webhook"
        let target = "test://recorder"
        let failing: Bool
        private let received = Mutex<[RenderedNotification]>([])

        init(failing: Bool = false) {
            self.failing = failing
        }

        var messages: [RenderedNotification] { received.withLock { $0 } }

        func deliver(_ message: RenderedNotification) async throws {
            received.withLock { $0.append(message) }
            if failing { throw DeliveryFailure("HTTP 500") }
        }
    }

    let clock = TestClock()
    let root = NotificationRoute(
        root: .init(
            receiver: "ops", groupBy: .labels(["rule"]), groupWait: .seconds(1), groupInterval: .seconds(1),
            repeatInterval: .seconds(3600)))

    func start(
        _ recorder: Recorder, attempts: Int = 1, silences: [Silence] = []
    ) async throws -> (InProcessBus, Task<Void, any Error>, NotificationDispatcher) {
        let bus = InProcessBus()
        try await bus.declare(.notify)
        let configuration = NotifyConfiguration(
            route: root, receivers: ["ops": .init(name: "ops")], templates: .defaults)
        let dispatcher = NotificationDispatcher(
            bus: bus, configuration: configuration, integrations: ["ops": [recorder]], attempts: attempts,
            logger: Logger(label: "test"), now: { [clock] in clock.now }, silences: { silences },
            tick: .milliseconds(10))
        return (bus, Task { try await dispatcher.run() }, dispatcher)
    }

    func publish(_ bus: InProcessBus, _ machine: String, _ status: Fleetwatch_V1_AlertStatus, at atMs: Int64) async throws {
        let transition = Fleetwatch_V1_AlertTransition.with {
            $0.ruleID = "r1"
            $0.ruleName = "cpu high"
            $0.machineID = machine
            $0.hostname = machine
            $0.labels = ["cpu": "total"]
            $0.to = status
            $0.atMs = atMs
        }
        try await bus.publish([
            OutgoingMessage(
                exchange: FleetExchange.events, routingKey: "alerts.\(machine).\(status)",
                body: try transition.serializedBytes(), type: "fleetwatch.v1.AlertTransition")
        ])
    }

    func depth(_ bus: InProcessBus, _ queue: String = FleetQueue.notify) -> (ready: Int, unacked: Int) {
        bus.depth(of: queue) ?? (-1, -1)
    }

    @Test func twoMachinesFiringOneRuleMakeOneNotificationAndAreAckedOnceItWasDelivered() async throws {
        let recorder = Recorder()
        let (bus, task, dispatcher) = try await start(recorder)
        defer { task.cancel() }
        try await publish(bus, "web-1", .firing, at: 0)
        try await publish(bus, "web-2", .firing, at: 0)
        #expect(await eventually { depth(bus) == (0, 2) }, "both transitions held, unacked, during group_wait")
        #expect(await eventually { dispatcher.grouped.value == 2 }, "both grouped before the clock moves")
        #expect(recorder.messages.isEmpty)

        clock.set(1000)
        #expect(await eventually { recorder.messages.count == 1 })
        #expect(await eventually { depth(bus) == (0, 0) }, "acked once delivered")
        let message = try #require(recorder.messages.first)
        #expect(message.notification.alerts.map(\.machineID) == ["web-1", "web-2"])
        #expect(message.title == "[FIRING] cpu high: 2 firing, 0 resolved")

        try await publish(bus, "web-1", .resolved, at: 1500)
        #expect(await eventually { depth(bus) == (0, 1) })
        #expect(await eventually { dispatcher.grouped.value == 3 })
        clock.set(2000)
        #expect(await eventually { recorder.messages.count == 2 })
        #expect(recorder.messages.last?.notification.resolved.map(\.machineID) == ["web-1"])
        #expect(await eventually { depth(bus) == (0, 0) })
    }

    @Test func aNotificationThatKeepsFailingDeadLettersTheTransitionsItCarried() async throws {
        let recorder = Recorder(failing: true)
        let (bus, task, dispatcher) = try await start(recorder, attempts: 2)
        defer { task.cancel() }
        try await publish(bus, "web-1", .firing, at: 0)
        try await publish(bus, "web-2", .firing, at: 0)
        #expect(await eventually { depth(bus) == (0, 2) })
        #expect(await eventually { dispatcher.grouped.value == 2 })
        clock.set(1000)
        #expect(await eventually { depth(bus, FleetQueue.deadLetter(of: FleetQueue.notify)).ready == 2 })
        #expect(depth(bus) == (0, 0))
        #expect(recorder.messages.count == 2, "two attempts of one notification")
    }

    @Test func silencedAlertsAreAckedWithoutANotification() async throws {
        let recorder = Recorder()
        let silence = Silence(
            id: "s1", matchers: [try LabelMatcher(parsing: "machine=web-2")], startsAtMs: 0, endsAtMs: 1_000_000,
            createdBy: "test", comment: "", createdAtMs: 0)
        let (bus, task, dispatcher) = try await start(recorder, silences: [silence])
        defer { task.cancel() }
        try await publish(bus, "web-2", .firing, at: 0)
        #expect(await eventually { depth(bus) == (0, 1) })
        #expect(await eventually { dispatcher.grouped.value == 1 })
        clock.set(1000)
        #expect(await eventually { depth(bus) == (0, 0) })
        #expect(recorder.messages.isEmpty)
    }

    @Test func stoppingHandsTheTransitionsStillWaitingBackToTheQueue() async throws {
        let recorder = Recorder()
        let (bus, task, dispatcher) = try await start(recorder)
        try await publish(bus, "web-1", .firing, at: 0)
        #expect(await eventually { dispatcher.grouped.value == 1 })
        task.cancel()
        _ = try? await task.value
        #expect(depth(bus) == (1, 0), "requeued, for the next dispatcher to tell")
        #expect(recorder.messages.isEmpty)
    }

    @Test func pendingTransitionsAndUndecodableMessagesAreSettledAtOnce() async throws {
        let recorder = Recorder()
        let (bus, task, _) = try await start(recorder)
        defer { task.cancel() }
        try await publish(bus, "web-1", .pending, at: 0)
        try await bus.publish([
            OutgoingMessage(exchange: FleetExchange.events, routingKey: "alerts.x.firing", body: [0xFF, 0xFF], type: "x")
        ])
        #expect(await eventually { depth(bus) == (0, 0) })
        #expect(depth(bus, FleetQueue.deadLetter(of: FleetQueue.notify)).ready == 1)
    }

    @Test func aTransitionBreakingTheEvaluatorsBoundsIsDeadLetteredAndNeverTold() async throws {
        let recorder = Recorder()
        let (bus, task, _) = try await start(recorder)
        defer { task.cancel() }
        try await publish(bus, "../../x", .firing, at: 0)
        try await publish(bus, "web-1", .firing, at: 32_503_680_000_000)  // year 3000
        #expect(await eventually { depth(bus, FleetQueue.deadLetter(of: FleetQueue.notify)).ready == 2 })
        #expect(depth(bus) == (0, 0))
        clock.set(1000)
        try await publish(bus, "web-2", .firing, at: 1000)
        clock.set(2000)
        #expect(await eventually { recorder.messages.count == 1 })
        #expect(recorder.messages.first?.notification.alerts.map(\.machineID) == ["web-2"])
    }
}

/// Polls `condition` for up to `seconds` (generous: the full suite shares two cores).
func eventually(seconds: Double = 30, _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
