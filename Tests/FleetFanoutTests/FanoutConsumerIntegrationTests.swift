import FleetAMQP
import FleetBus
import FleetCore
import FleetFanout
import FleetProto
import Foundation
import Logging
import Testing

/// Against the real RabbitMQ (FLEETWATCH_AMQP_URL): skipped with a note when absent, failed under CI=true.
@Suite(.serialized) struct FanoutConsumerIntegrationTests {
    static func bus() async -> AMQPBus? {
        let environment = ProcessInfo.processInfo.environment
        guard let bus = try? AMQPBus.fromEnvironment(environment) else { return nil }
        do {
            try await bus.declare(Topology.exchanges)
            return bus
        } catch {
            await bus.shutdown()
            let message = "RabbitMQ not reachable (\(error)); start one with `scripts/services/rabbitmq start DIR`"
            if environment["CI"] == "true" { Issue.record(Comment(rawValue: message)) } else { print("skipping: \(message)") }
            return nil
        }
    }

    static func publish(_ batch: Fleetwatch_V1_MetricBatch, on bus: AMQPBus) async throws {
        try await bus.publish([
            OutgoingMessage(
                exchange: FleetExchange.metrics,
                routingKey: RoutingKey.metrics(machine: batch.machine.machineID, group: .samples),
                body: try batch.serializedBytes() as [UInt8], type: MessageType.metricBatch, persistent: false)
        ])
    }

    @Test func everyInstanceSeesEveryBatchOnItsOwnQueue() async throws {
        guard let bus = await Self.bus() else { return }
        defer { Task { await bus.shutdown() } }
        let logger = Logger(label: "test")
        let hubs = [LiveHub(), LiveHub()]
        let instances = hubs.indices.map { "test-\($0)-\(UInt32.random(in: 0...UInt32.max))" }
        for instance in instances { try await bus.declare(.fanout(instance: instance)) }
        let subscriptions = hubs.map { $0.subscribe() }
        let machine = "fanout-test-\(UInt32.random(in: 0...UInt32.max))"
        for subscription in subscriptions { subscription.follow(.machine(machine)) }
        let (subscribed, subscribedContinuation) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (hub, instance) in zip(hubs, instances) {
                let consumer = FanoutConsumer(
                    bus: bus, instance: instance, hub: hub, logger: logger,
                    onAvailability: { if $0 { subscribedContinuation.yield() } })
                group.addTask { try await consumer.run(now: { Int64(Date().timeIntervalSince1970 * 1000) }) }
            }
            for subscription in subscriptions { _ = try await nextUpdate(subscription) }  // "waiting for it"
            // Each queue exists once its consumer subscribed (it declares it on its own connection).
            try await withTimeout(.seconds(10)) {
                var count = 0
                for await _ in subscribed {
                    count += 1
                    if count == instances.count { break }
                }
            }
            let sent = Date()
            // Stamped now: the consumer refuses a batch outside the edge's window of its clock.
            let nowMs = Int64(sent.timeIntervalSince1970 * 1000)
            try await Self.publish(metricBatch(machine, at: nowMs, [("load.1m", 4.2)]), on: bus)
            for subscription in subscriptions {
                let update = try await nextUpdate(subscription)
                #expect(update.samples.map(\.value) == [4.2])
            }
            // How fast is measured by scripts/bench-live; here a generous bound only catches a feed that stalls.
            #expect(Date().timeIntervalSince(sent) < 10)
            group.cancelAll()
        }
        for subscription in subscriptions { subscription.cancel() }
    }
}

/// Runs `body`, failing the test instead of hanging when it takes longer than `limit`.
func withTimeout(_ limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            try await body()
            return true
        }
        group.addTask {
            try await Task.sleep(for: limit)
            return false
        }
        let finished = try await group.next() ?? false
        group.cancelAll()
        try #require(finished, "did not finish within \(limit)")
    }
}
