import FleetBus
import Foundation
import Testing

@testable import FleetAMQP

/// A bus given several nodes, one of which refuses (127.0.0.1:1), beside the test broker: connecting skips the
/// dead node, and a consumer whose connection is lost moves on through the dead node to a live one.
/// The whole 3-node cluster, with kill -9, is tests/system/test_rabbitmq_cluster.py.
@Suite struct AMQPFailoverTests {
    private static let deadNode = AMQPURL(port: 1)

    private func clusterBus(deadFirst: Bool) async throws -> AMQPBus? {
        guard let probe = try await TestBroker.bus() else { return nil }
        await probe.shutdown()
        let live = try AMQPURL.fromEnvironment(TestBroker.environment)
        let nodes = deadFirst ? AMQPURLList(Self.deadNode, [live]) : AMQPURLList(live, [Self.deadNode])
        return AMQPBus(
            configuration: AMQPConfiguration(nodes: nodes, backoff: .init(base: .milliseconds(100), cap: .seconds(1))))
    }

    @Test(.timeLimit(.minutes(1))) func skipsARefusingNodeToPublishAndConsume() async throws {
        guard let bus = try await clusterBus(deadFirst: true) else { return }
        let queue = TestBroker.uniqueQueue("failover")
        // The publisher starts at the dead node, the consumer at the live one.
        try await bus.declare(Topology(queues: [Topology.Queue(name: queue)]))
        let consumer = try await bus.makeConsumer(queue: queue, prefetch: 10)
        try await bus.publish([message(queue, "one")])
        let one = try #require(try await nextDelivery(consumer, timeout: .seconds(10)))
        #expect(text(one) == "one")
        try await consumer.ack([one])
        await consumer.close()
        _ = try? await bus.deleteQueue(queue)
        await bus.shutdown()
    }

    @Test(.timeLimit(.minutes(2))) func aConsumerWhoseConnectionIsLostMovesOnThroughTheDeadNode() async throws {
        // The consumer (start node 1) begins on the dead node's neighbour: the live one here.
        guard let bus = try await clusterBus(deadFirst: true) else { return }
        let queue = TestBroker.uniqueQueue("failover-lost")
        try await bus.declare(Topology(queues: [Topology.Queue(name: queue)]))
        let consumer = try await bus.makeConsumer(queue: queue, prefetch: 10)
        try await bus.publish([message(queue, "before")])
        let before = try #require(try await nextDelivery(consumer, timeout: .seconds(10)))
        try await consumer.ack([before])

        // Lost: the next attempt goes to the following node (dead, refused), then round to the live one.
        // The management API lists a new connection after its next stats tick (~5 s; longer on a busy machine).
        var closed = 0
        for _ in 0..<160 where closed == 0 {
            closed = try TestBroker.forceCloseConnections(named: "consumer \(queue)")
            if closed == 0 { try await Task.sleep(for: .milliseconds(250)) }
        }
        try #require(closed == 1)
        try await bus.publish([message(queue, "after")])
        let after = try #require(try await nextDelivery(consumer, timeout: .seconds(30)))
        #expect(text(after) == "after")
        try await consumer.ack([after])
        await consumer.close()
        _ = try? await bus.deleteQueue(queue)
        await bus.shutdown()
    }

    @Test(.timeLimit(.minutes(1))) func noNodeAnsweringNamesEveryNode() async throws {
        let bus = AMQPBus(nodes: AMQPURLList(Self.deadNode, [AMQPURL(port: 2)]))
        await #expect {
            try await bus.publish([message("nowhere", "lost")])
        } throws: { error in
            guard case BusError.unavailable(let why) = error else { return false }
            return why.contains("127.0.0.1:1") && why.contains("127.0.0.1:2")
        }
        await bus.shutdown()
    }
}
