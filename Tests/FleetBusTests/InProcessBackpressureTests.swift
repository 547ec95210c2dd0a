import Synchronization
import Testing

@testable import FleetBus

/// The hub's back-pressure: durable in-process queues are bounded, a publish into a full one waits for room
/// (then is refused), and nothing is enqueued, acked or dropped along the way.
@Suite(.timeLimit(.minutes(1))) struct InProcessBackpressureTests {
    @Test func aPublishIntoAFullDurableQueueWaitsUntilAConsumerTakesAMessage() async throws {
        let bus = InProcessBus(defaultMaxLength: 2, publishWait: .seconds(30))
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        try await bus.publish([message("q", "1"), message("q", "2")])
        let published = Mutex(false)
        let waiting = Task {
            try await bus.publish([message("q", "3")])
            published.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!published.withLock { $0 })
        #expect(bus.depth(of: "q")! == (2, 0))

        let consumer = try await bus.consume(queue: "q", prefetch: 1)
        let first = try #require(try await consumer.next())
        try await waiting.value
        #expect(published.withLock { $0 })
        #expect(bus.depth(of: "q")! == (2, 1))
        // In order: the waiting publish went behind what was there.
        try await consumer.ack([first])
        var rest: [String] = []
        for _ in 0..<2 {
            let delivery = try #require(try await consumer.next())
            rest.append(text(delivery))
            try await consumer.ack([delivery])
        }
        #expect([text(first)] + rest == ["1", "2", "3"])
        await bus.shutdown()
    }

    /// Messages are bundles of many batches: a queue is bounded by the bytes it holds too, not only by their number.
    @Test func aQueueHoldingItsBoundInBytesMakesPublishersWait() async throws {
        let bus = InProcessBus(defaultMaxLength: 100, defaultMaxBytes: 10, publishWait: .milliseconds(100))
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        try await bus.publish([message("q", "12345678")])
        await #expect(throws: BusError.nacked("queue 'q' is full (10 bytes of messages); retry later")) {
            try await bus.publish([message("q", "abcd")])
        }
        try await bus.publish([message("q", "xy")])
        #expect(bus.depth(of: "q")! == (2, 0))
        let consumer = try await bus.consume(queue: "q", prefetch: 10)
        let taken = try await consumer.nextBatch(max: 10, window: .zero)
        try await consumer.ack(taken)
        // An empty queue takes even a publish larger than its bound, which could otherwise never fit.
        try await bus.publish([message("q", String(repeating: "z", count: 50))])
        #expect(bus.depth(of: "q")! == (1, 0))
        await bus.shutdown()
    }

    /// Decoded batches riding along (the hub) take memory too: such a message weighs its body and an estimate of them.
    @Test func aMessageCarryingDecodedBatchesCountsThemTowardTheBound() async throws {
        let weight = InProcessQueue.Message.weight(of: 2, decoded: true)
        #expect(weight > 2)
        let bus = InProcessBus(defaultMaxLength: 100, defaultMaxBytes: weight + 2, publishWait: .milliseconds(100))
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        var decoded = message("q", "ab")
        decoded.decoded = .raw([])
        try await bus.publish([decoded])
        try await bus.publish([message("q", "cd")])  // a plain body of 2 bytes still fits
        await #expect(throws: BusError.nacked("queue 'q' is full (\(weight + 2) bytes of messages); retry later")) {
            try await bus.publish([decoded])
        }
        #expect(bus.depth(of: "q")! == (2, 0))
        await bus.shutdown()
    }

    @Test func aQueueStillFullAfterTheWaitRefusesThePublishAndKeepsNothingOfIt() async throws {
        let bus = InProcessBus(defaultMaxLength: 2, publishWait: .milliseconds(100))
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        try await bus.publish([message("q", "1"), message("q", "2")])
        let started = ContinuousClock.now
        await #expect(throws: BusError.nacked("queue 'q' is full (2 messages); retry later")) {
            try await bus.publish([message("q", "3")])
        }
        #expect(ContinuousClock.now - started >= .milliseconds(100))
        #expect(bus.depth(of: "q")! == (2, 0))
        await bus.shutdown()
    }

    @Test func aPublishLargerThanTheQueueIsRefusedWithoutWaiting() async throws {
        let bus = InProcessBus(defaultMaxLength: 2, publishWait: .seconds(30))
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        await #expect(throws: BusError.nacked("3 messages for queue 'q', which holds at most 2")) {
            try await bus.publish([message("q", "1"), message("q", "2"), message("q", "3")])
        }
        #expect(bus.depth(of: "q")! == (0, 0))
        await bus.shutdown()
    }

    /// The normalizer publishes each batch to fleet.persist and an alert partition at once: when one is full,
    /// neither gets it, so no queue sees a batch twice when the publish is retried.
    @Test func oneFullTargetQueueHoldsBackThePublishToEveryQueue() async throws {
        let bus = InProcessBus(defaultMaxLength: 1, publishWait: .milliseconds(50))
        try await bus.declare(
            Topology.exchanges + Topology.durableQueue("a") + Topology.durableQueue("b")
                + Topology(bindings: [
                    .init(exchange: FleetExchange.metrics, queue: "a", routingKey: "metrics.#"),
                    .init(exchange: FleetExchange.metrics, queue: "b", routingKey: "metrics.#"),
                ]))
        try await bus.publish([message("b", "old")])
        let metrics = OutgoingMessage(exchange: FleetExchange.metrics, routingKey: "metrics.m1.samples", body: [1], type: "t")
        await #expect(throws: BusError.self) { try await bus.publish([metrics]) }
        #expect(bus.depth(of: "a")! == (0, 0))
        #expect(bus.depth(of: "b")! == (1, 0))
        await bus.shutdown()
    }

    @Test func perishableQueuesKeepDroppingTheOldestInsteadOfWaiting() async throws {
        let bus = InProcessBus(defaultMaxLength: 1, publishWait: .seconds(30))
        try await bus.declare(Topology.fanout(instance: "t"))
        let queue = FleetQueue.fanout("t")
        let consumer = try await bus.consume(queue: queue, prefetch: 1)  // keeps the exclusive queue alive
        let many = (0..<(Topology.fanoutMaxLength + 5)).map { _ in
            OutgoingMessage(exchange: FleetExchange.metrics, routingKey: "metrics.m1.samples", body: [1], type: "t")
        }
        for message in many { try await bus.publish([message]) }
        #expect(bus.depth(of: queue)!.ready == Topology.fanoutMaxLength)
        await consumer.close()
        await bus.shutdown()
    }

    @Test func shutdownEndsAWaitingPublishWithClosed() async throws {
        let bus = InProcessBus(defaultMaxLength: 1, publishWait: .seconds(30))
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        try await bus.publish([message("q", "1")])
        let waiting = Task { try await bus.publish([message("q", "2")]) }
        try await Task.sleep(for: .milliseconds(50))
        await bus.shutdown()
        await #expect(throws: BusError.closed) { try await waiting.value }
    }

    @Test func aCancelledWaitingPublishEnqueuesNothing() async throws {
        let bus = InProcessBus(defaultMaxLength: 1, publishWait: .seconds(30))
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        try await bus.publish([message("q", "1")])
        let waiting = Task { try await bus.publish([message("q", "2")]) }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        let consumer = try await bus.consume(queue: "q", prefetch: 10)
        let only = try #require(try await consumer.next())
        #expect(text(only) == "1")
        #expect(bus.depth(of: "q")! == (0, 1))
        await bus.shutdown()
    }

    /// Past the delivery limit a message goes to the DLQ; when that is full too, it stays in its queue.
    @Test func aMessagePastTheDeliveryLimitStaysQueuedWhileItsDeadLetterQueueIsFull() async throws {
        let bus = InProcessBus(defaultMaxLength: 1, publishWait: .zero)
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        let dlq = FleetQueue.deadLetter(of: "q")
        try await bus.publish([message(dlq, "earlier poison"), message("q", "poison")])
        let consumer = try await bus.consume(queue: "q", prefetch: 1)
        for _ in 0...Topology.deliveryLimit {
            let delivery = try #require(try await consumer.next())
            try await consumer.requeue([delivery])
        }
        #expect(bus.depth(of: "q")! == (1, 0))
        let again = try #require(try await consumer.next())
        #expect(text(again) == "poison" && again.redelivered)

        let dlqConsumer = try await bus.consume(queue: dlq, prefetch: 10)
        let earlier = try #require(try await dlqConsumer.next())
        try await dlqConsumer.ack([earlier])
        try await consumer.requeue([again])
        #expect(bus.depth(of: "q")! == (0, 0))
        let dead = try #require(try await dlqConsumer.next())
        #expect(text(dead) == "poison")
        #expect(dead.headers[BusHeader.deadLetterQueue] == "q")
        await bus.shutdown()
    }
}
