import FleetBus
import Foundation
import Testing

@testable import FleetAMQP

/// Stops and restarts a private broker (scripts/services/rabbitmq) to check that publishers fail
/// fast while it is down and that publishers and consumers recover. Takes ~45 s, so opt-in:
/// FLEETWATCH_TEST_BROKER_RESTART=1 (port FLEETWATCH_TEST_BROKER_RESTART_PORT, default 16672).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FLEETWATCH_TEST_BROKER_RESTART"] == "1"))
struct AMQPBrokerRestartTests {
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/services/rabbitmq").path

    private func service(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.script)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BusError.unavailable("\(Self.script) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }

    @Test(.timeLimit(.minutes(3))) func publisherAndConsumerRecoverFromABrokerRestart() async throws {
        let environment = ProcessInfo.processInfo.environment
        let port = environment["FLEETWATCH_TEST_BROKER_RESTART_PORT"].flatMap { Int($0) } ?? 16672
        let directory = NSTemporaryDirectory() + "fleetbus-restart-\(port)"
        try service(["start", directory, String(port)])
        defer { try? service(["stop", directory]) }

        let bus = AMQPBus(
            configuration: AMQPConfiguration(
                url: AMQPURL(port: port), backoff: .init(base: .milliseconds(200), cap: .seconds(2))))
        let queue = TestBroker.uniqueQueue("restart")
        try await bus.declare(Topology(queues: [Topology.Queue(name: queue)]))
        let consumer = try await bus.makeConsumer(queue: queue, prefetch: 10)
        try await bus.publish([message(queue, "one")])
        let one = try #require(try await nextDelivery(consumer, timeout: .seconds(5)))
        try await consumer.ack([one])

        try service(["stop", directory])
        for _ in 0..<3 {
            let start = ContinuousClock.now
            await #expect {
                try await bus.publish([message(queue, "lost")])
            } throws: { error in
                if case BusError.unavailable = error { return true }
                return false
            }
            #expect(ContinuousClock.now - start < .seconds(3))
        }

        try service(["start", directory, String(port)])
        var published = false
        for _ in 0..<60 where !published {
            do {
                try await bus.publish([message(queue, "two")])
                published = true
            } catch BusError.unavailable {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        #expect(published)
        let two = try #require(try await nextDelivery(consumer, timeout: .seconds(20)))
        #expect(text(two) == "two")
        try await consumer.ack([two])
        await consumer.close()
        _ = try? await bus.deleteQueue(queue)
        await bus.shutdown()
    }
}
