import FleetBus
import Foundation
import Testing

@testable import FleetAMQP

/// `DeadLetterQueue` (what `fleetwatch dlq` runs) against a real RabbitMQ: every test uses its own exchange and
/// queues under unique names and deletes them.
@Suite(.timeLimit(.minutes(2))) struct DeadLetterQueueTests {
    /// A unique topic exchange and a quorum queue with its DLQ bound to it under a unique routing key, as the
    /// pipeline's queues are declared.
    private struct Fixture {
        let exchange = "fleetbus.test.dlq-exchange.\(UInt32.random(in: 0...UInt32.max))"
        let queue = TestBroker.uniqueQueue("dlq")
        let routingKey = "test.dlq.\(UInt32.random(in: 0...UInt32.max))"

        var topology: Topology {
            Topology(exchanges: [
                Topology.Exchange(name: FleetExchange.deadLetter, kind: .direct),
                Topology.Exchange(name: exchange, kind: .topic, durable: false),
            ])
                + Topology.durableQueue(queue)
                + Topology(bindings: [Topology.Binding(exchange: exchange, queue: queue, routingKey: routingKey)])
        }

        func message(_ text: String) -> OutgoingMessage {
            OutgoingMessage(
                exchange: exchange, routingKey: routingKey, body: Array(text.utf8), type: "fleetwatch.test.Text",
                headers: ["n": text])
        }

        func cleanUp(_ bus: AMQPBus) async {
            _ = try? await bus.deleteQueue(queue)
            _ = try? await bus.deleteQueue(FleetQueue.deadLetter(of: queue))
            try? TestBroker.deleteExchange(exchange)
            await bus.shutdown()
        }
    }

    /// Publishes `texts` through the fixture's exchange, consumes them from the queue and dead-letters each with
    /// `reason`, as a consumer that cannot handle them does.
    private func deadLetter(_ texts: [String], reason: String, in fixture: Fixture, bus: AMQPBus) async throws {
        try await bus.publish(texts.map(fixture.message))
        let consumer = try await bus.consume(queue: fixture.queue, prefetch: 10)
        var taken = 0
        while taken < texts.count {
            for delivery in try await consumer.nextBatch(max: 10, window: .milliseconds(20)) {
                try await consumer.deadLetter(delivery, reason: reason)
                taken += 1
            }
        }
        await consumer.close()
    }

    @Test func replaysADeadLetterToItsQueueExactlyOnceAndEmptiesTheDLQ() async throws {
        guard let bus = try await TestBroker.bus() else { return }
        let fixture = Fixture()
        defer { Task { await fixture.cleanUp(bus) } }
        try await bus.declare(fixture.topology)
        try await deadLetter(["m1"], reason: "field cpu: not a number", in: fixture, bus: bus)
        let dlq = DeadLetterQueue(of: fixture.queue, on: bus, firstMessageTimeout: .seconds(5))

        let listed = try await dlq.list(limit: 10)
        #expect(listed.count == 1)
        #expect(listed.first?.reason == "field cpu: not a number")
        #expect(listed.first?.originalExchange == fixture.exchange)
        #expect(listed.first?.originalRoutingKey == fixture.routingKey)
        #expect(try await dlq.list(limit: 10).count == 1, "listing leaves the messages in the DLQ")

        #expect(try await dlq.replay(limit: 100, run: "run-1") == 1)

        let consumer = try await bus.consume(queue: fixture.queue, prefetch: 10)
        let replayed = try #require(try await nextDelivery(consumer, timeout: .seconds(5)))
        #expect(text(replayed) == "m1")
        #expect(replayed.type == "fleetwatch.test.Text")
        #expect(replayed.headers["n"] == "m1")
        #expect(replayed.headers[DeadLetter.replayRunHeader] == "run-1")
        #expect(replayed.headers[BusHeader.deadLetterReason] == nil, "the replayed copy is the original message")
        try await consumer.ack([replayed])
        #expect(try await nextDelivery(consumer, timeout: .milliseconds(500)) == nil, "replayed exactly once")
        await consumer.close()
        #expect(try await dlq.list(limit: 10).isEmpty, "the replayed message left the DLQ")
    }

    @Test func aCopyOfTheSameRunThatFailedAgainIsNotReplayedTwice() async throws {
        guard let bus = try await TestBroker.bus() else { return }
        let fixture = Fixture()
        defer { Task { await fixture.cleanUp(bus) } }
        try await bus.declare(fixture.topology)
        try await deadLetter(["first"], reason: "bad", in: fixture, bus: bus)
        // As if "first" had been replayed by run-2 already and failed again: it came back with the run's mark.
        try await bus.publish([
            OutgoingMessage(
                exchange: "", routingKey: FleetQueue.deadLetter(of: fixture.queue), body: Array("again".utf8),
                type: "fleetwatch.test.Text", headers: [DeadLetter.replayRunHeader: "run-2"])
        ])
        let dlq = DeadLetterQueue(of: fixture.queue, on: bus, firstMessageTimeout: .seconds(5))

        #expect(try await dlq.replay(limit: 100, run: "run-2") == 1)

        let left = try await dlq.list(limit: 10)
        #expect(left.count == 1, "the copy of this run stays in the DLQ")
        #expect(try await bus.purge(queue: fixture.queue) == 1)
    }

    @Test func purgeEmptiesTheDLQAndCountsWhatWasThere() async throws {
        guard let bus = try await TestBroker.bus() else { return }
        let fixture = Fixture()
        defer { Task { await fixture.cleanUp(bus) } }
        try await bus.declare(fixture.topology)
        try await deadLetter(["a", "b", "c"], reason: "bad", in: fixture, bus: bus)
        let dlq = DeadLetterQueue(of: fixture.queue, on: bus, firstMessageTimeout: .milliseconds(500))

        #expect(try await dlq.purge() == 3)
        #expect(try await dlq.list(limit: 10).isEmpty)
        #expect(try await dlq.purge() == 0)
    }
}
