import FleetBus
import Foundation
import Testing

@testable import FleetAMQP

/// The semantics every consumer relies on, run against each `MessageBus`: RabbitMQ (the distributed stack) and
/// the in-process bus (the hub). Each test uses its own queues; on RabbitMQ they are deleted afterwards.
enum BusKind: String, CaseIterable, CustomTestStringConvertible {
    case rabbitmq
    case inProcess

    var testDescription: String { rawValue }

    /// Runs `body` with a bus of this kind (RabbitMQ: skipped when absent, failed under CI=true); `cleanUp`
    /// collects queues to delete afterwards.
    func withBus(_ body: (any MessageBus, _ cleanUp: inout [String]) async throws -> Void) async throws {
        var queues: [String] = []
        switch self {
        case .inProcess:
            let bus = InProcessBus()
            try await body(bus, &queues)
            await bus.shutdown()
        case .rabbitmq:
            guard let bus = try await TestBroker.bus() else { return }
            do {
                try await body(bus, &queues)
            } catch {
                for queue in queues { _ = try? await bus.deleteQueue(queue) }
                await bus.shutdown()
                throw error
            }
            for queue in queues { _ = try? await bus.deleteQueue(queue) }
            await bus.shutdown()
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct BusConformanceTests {
    /// A quorum queue with a DLQ, as services declare them, under a unique name.
    func durableQueue(_ purpose: String, extra: [String: Topology.Argument] = [:]) -> (String, Topology) {
        let queue = TestBroker.uniqueQueue(purpose)
        return (queue, Topology.exchanges + Topology.durableQueue(queue, extra: extra))
    }

    @Test(arguments: BusKind.allCases)
    func topicRoutingDeliversToEveryMatchingQueue(kind: BusKind) async throws {
        try await kind.withBus { bus, cleanUp in
            let exchange = "fleet.test.\(UInt32.random(in: 0...UInt32.max))"
            let all = TestBroker.uniqueQueue("all"), samples = TestBroker.uniqueQueue("samples")
            let other = TestBroker.uniqueQueue("other")
            cleanUp += [all, samples, other]
            try await bus.declare(
                Topology(
                    exchanges: [.init(name: exchange, kind: .topic, durable: false)],
                    queues: [all, samples, other].map { Topology.Queue(name: $0, durable: false) },
                    bindings: [
                        .init(exchange: exchange, queue: all, routingKey: "metrics.#"),
                        .init(exchange: exchange, queue: samples, routingKey: "metrics.*.samples"),
                        .init(exchange: exchange, queue: other, routingKey: "raw.#"),
                    ]))
            try await bus.publish(
                ["metrics.m1.samples", "metrics.m1.processes", "metrics.m2.samples", "events.x"].map {
                    OutgoingMessage(exchange: exchange, routingKey: $0, body: Array($0.utf8), type: "t", persistent: false)
                })
            #expect(try await bus.purge(queue: all) == 3)
            #expect(try await bus.purge(queue: samples) == 2)
            #expect(try await bus.purge(queue: other) == 0)
        }
    }

    @Test(arguments: BusKind.allCases)
    func competingConsumersGetEachMessageOnce(kind: BusKind) async throws {
        try await kind.withBus { bus, cleanUp in
            let (queue, topology) = durableQueue("compete")
            cleanUp += [queue, FleetQueue.deadLetter(of: queue)]
            try await bus.declare(topology)
            let consumers = [try await bus.consume(queue: queue, prefetch: 5), try await bus.consume(queue: queue, prefetch: 5)]
            try await bus.publish((0..<200).map { message(queue, String($0)) })
            var seen: [String] = []
            var perConsumer = [0, 0]
            while seen.count < 200 {
                var progressed = false
                for (index, consumer) in consumers.enumerated() {
                    guard let delivery = try await nextDelivery(consumer, timeout: .milliseconds(200)) else { continue }
                    seen.append(text(delivery))
                    perConsumer[index] += 1
                    try await consumer.ack([delivery])
                    progressed = true
                }
                try #require(progressed, "no deliveries; got \(seen.count) of 200")
            }
            #expect(Set(seen).count == 200)
            #expect(perConsumer.allSatisfy { $0 > 0 })
            for consumer in consumers { await consumer.close() }
        }
    }

    @Test(arguments: BusKind.allCases)
    func requeuedMessageComesBackRedeliveredAndAClosedConsumerReturnsWhatItHeld(kind: BusKind) async throws {
        try await kind.withBus { bus, cleanUp in
            let (queue, topology) = durableQueue("requeue")
            cleanUp += [queue, FleetQueue.deadLetter(of: queue)]
            try await bus.declare(topology)
            try await bus.declare(topology)  // idempotent
            try await bus.publish([message(queue, "once")])
            let consumer = try await bus.consume(queue: queue, prefetch: 10)
            let first = try #require(try await nextDelivery(consumer, timeout: .seconds(5)))
            #expect(!first.redelivered)
            try await consumer.requeue([first])
            let second = try #require(try await nextDelivery(consumer, timeout: .seconds(5)))
            #expect(second.redelivered && text(second) == "once")
            await consumer.close()  // unacked: back to the queue
            #expect(try await consumer.next() == nil)

            let again = try await bus.consume(queue: queue, prefetch: 10)
            let third = try #require(try await nextDelivery(again, timeout: .seconds(5)))
            #expect(text(third) == "once" && third.redelivered)
            try await again.ack([third])
            #expect(try await nextDelivery(again, timeout: .milliseconds(300)) == nil)
            await again.close()
            #expect(try await bus.purge(queue: queue) == 0)
        }
    }

    @Test(arguments: BusKind.allCases)
    func deadLetterMovesTheMessageToTheDLQWithItsReason(kind: BusKind) async throws {
        try await kind.withBus { bus, cleanUp in
            let (queue, topology) = durableQueue("dead")
            let dlq = FleetQueue.deadLetter(of: queue)
            cleanUp += [queue, dlq]
            try await bus.declare(topology)
            try await bus.publish([message(queue, "poison", headers: [BusHeader.traceParent: "00-abc-def-01"])])
            let consumer = try await bus.consume(queue: queue, prefetch: 10)
            let delivery = try #require(try await nextDelivery(consumer, timeout: .seconds(5)))
            try await consumer.deadLetter(delivery, reason: "undecodable protobuf")
            #expect(try await nextDelivery(consumer, timeout: .milliseconds(300)) == nil)
            await consumer.close()

            let dlqConsumer = try await bus.consume(queue: dlq, prefetch: 10)
            let dead = try #require(try await nextDelivery(dlqConsumer, timeout: .seconds(5)))
            #expect(text(dead) == "poison")
            #expect(dead.exchange == FleetExchange.deadLetter)
            #expect(dead.routingKey == queue)
            #expect(dead.headers[BusHeader.deadLetterReason] == "undecodable protobuf")
            #expect(dead.headers[BusHeader.deadLetterQueue] == queue)
            #expect(dead.headers[BusHeader.originalRoutingKey] == queue)
            #expect(dead.headers[BusHeader.traceParent] == "00-abc-def-01")
            try await dlqConsumer.ack([dead])
            await dlqConsumer.close()
        }
    }

    @Test(arguments: BusKind.allCases)
    func aMessageRequeuedPastTheDeliveryLimitIsDeadLettered(kind: BusKind) async throws {
        try await kind.withBus { bus, cleanUp in
            let (queue, topology) = durableQueue("limit", extra: ["x-delivery-limit": .int(2)])
            let dlq = FleetQueue.deadLetter(of: queue)
            cleanUp += [queue, dlq]
            try await bus.declare(topology)
            try await bus.publish([message(queue, "flaky")])
            let consumer = try await bus.consume(queue: queue, prefetch: 1)
            var deliveries = 0
            while deliveries < 3, let delivery = try await nextDelivery(consumer, timeout: .seconds(10)) {
                deliveries += 1
                try await consumer.requeue([delivery])
            }
            // Past the limit it is gone from the queue: no fourth delivery.
            if let extra = try await nextDelivery(consumer, timeout: .seconds(1)) {
                deliveries += 1
                try await consumer.requeue([extra])
            }
            await consumer.close()
            #expect(deliveries == 3)  // the first delivery plus two redeliveries
            let dlqConsumer = try await bus.consume(queue: dlq, prefetch: 10)
            let dead = try #require(try await nextDelivery(dlqConsumer, timeout: .seconds(5)))
            #expect(text(dead) == "flaky")
            switch kind {
            case .rabbitmq:  // the broker's own dead-lettering, with its x-death headers
                #expect(dead.headers["x-death-reason"] == "delivery_limit")
                #expect(dead.headers["x-death-queue"] == queue)
            case .inProcess:
                #expect(dead.headers[BusHeader.deadLetterReason] == "delivered 3 times (limit 2)")
                #expect(dead.headers[BusHeader.deadLetterQueue] == queue)
            }
            try await dlqConsumer.ack([dead])
            await dlqConsumer.close()
        }
    }

    @Test(arguments: BusKind.allCases)
    func aPerishableQueueKeepsTheNewestMessagesWithinItsLength(kind: BusKind) async throws {
        try await kind.withBus { bus, cleanUp in
            let queue = TestBroker.uniqueQueue("perishable")
            cleanUp.append(queue)
            try await bus.declare(
                Topology(queues: [
                    Topology.Queue(
                        name: queue, durable: false, arguments: ["x-max-length": .int(3), "x-overflow": .string("drop-head")])
                ]))
            for n in 1...5 { try await bus.publish([message(queue, "m\(n)")]) }
            let consumer = try await bus.consume(queue: queue, prefetch: 10)
            var received: [String] = []
            while received.count < 3, let delivery = try await nextDelivery(consumer, timeout: .seconds(10)) {
                received.append(text(delivery))
                try await consumer.ack([delivery])
            }
            if let extra = try await nextDelivery(consumer, timeout: .milliseconds(500)) {
                received.append(text(extra))
                try await consumer.ack([extra])
            }
            #expect(received == ["m3", "m4", "m5"])
            await consumer.close()
        }
    }

    @Test(arguments: BusKind.allCases)
    func anExclusiveQueueIsDeclaredByItsConsumerAndGoesWithIt(kind: BusKind) async throws {
        try await kind.withBus { bus, _ in
            let instance = "test-\(UInt32.random(in: 0...UInt32.max))"
            try await bus.declare(.fanout(instance: instance))
            let consumer = try await bus.consume(queue: FleetQueue.fanout(instance), prefetch: 10)
            try await bus.publish([
                OutgoingMessage(
                    exchange: FleetExchange.metrics, routingKey: "metrics.\(instance).samples", body: [7], type: "t",
                    persistent: false)
            ])
            let delivery = try #require(try await nextDelivery(consumer, timeout: .seconds(5)))
            #expect(delivery.body == [7])
            try await consumer.ack([delivery])
            await consumer.close()
            await #expect(throws: BusError.self) { _ = try await bus.purge(queue: FleetQueue.fanout(instance)) }
        }
    }

    @Test(arguments: BusKind.allCases)
    func consumingAMissingQueueIsATopologyError(kind: BusKind) async throws {
        try await kind.withBus { bus, _ in
            await #expect {
                _ = try await bus.consume(queue: TestBroker.uniqueQueue("absent"), prefetch: 1)
            } throws: { error in
                guard case BusError.topology = error else { return false }
                return true
            }
        }
    }
}
