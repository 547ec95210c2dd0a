import FleetBus
import FleetCore
import FleetNormalizer
import FleetProto
import Logging
import Testing

/// The normalizer's hop on the in-process bus: bundles in, slot bundles out, one bad batch costs nothing else;
/// what it refuses reaches fleet.normalize.dlq with its reason, and probe batches are echoed on fleet.events.
@Suite(.timeLimit(.minutes(1))) struct NormalizerWorkerTests {
    @Test func aBundleIsNormalizedIntoSlotBundlesAndAckedAfterThePublish() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize + .persist)
        let machines = (1...40).map { "machine-\($0)" }
        try await bus.publish([try bundle(machines.enumerated().map { rawBatch(UInt64($0.offset + 1), machine: $0.element) })])
        let running = try await startNormalizer(on: bus)

        let persisted = try await take(40, from: bus)
        #expect(persisted.map(\.machine.machineID).sorted() == machines.sorted())
        #expect(persisted.allSatisfy { $0.receivedMs == testNowMs }, "the edge's receive time travels in the batch")
        try await eventually { bus.depth(of: FleetQueue.normalize)! == (0, 0) }
        running.cancel()
        try await running.value
        await bus.shutdown()
    }

    @Test func aBadBatchOfABundleGoesToTheDeadLetterQueueAloneWithItsReason() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize + .persist)
        var unknown = rawBatch(2, machine: "m2")
        unknown.source = "nonsense"
        try await bus.publish([try bundle([rawBatch(1, machine: "m1"), unknown, rawBatch(3, machine: "m3")])])
        let running = try await startNormalizer(on: bus)

        let persisted = try await take(2, from: bus)
        #expect(persisted.map(\.sequence).sorted() == [1, 3])
        let dlq = try await bus.consume(queue: FleetQueue.deadLetter(of: FleetQueue.normalize), prefetch: 10)
        let dead = try #require(try await dlq.next())
        #expect(dead.type == MessageType.rawBatch)
        #expect(dead.headers[BusHeader.deadLetterReason]?.contains("unknown source 'nonsense'") == true)
        let replayable = try DeliveryBatches.raw(dead)
        #expect(replayable.map(\.sequence) == [2] && replayable.first?.receivedMs == testNowMs)
        try await dlq.ack([dead])
        try await eventually { bus.depth(of: FleetQueue.normalize)! == (0, 0) }
        running.cancel()
        try await running.value
        await bus.shutdown()
    }

    @Test func anUndecodableBundleIsDeadLetteredWholeWithItsReason() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize + .persist)
        try await bus.publish([
            OutgoingMessage(
                exchange: FleetExchange.raw, routingKey: RoutingKey.rawBundle, body: [0xFF, 0xFF, 0xFF],
                type: MessageType.rawBundle)
        ])
        let running = try await startNormalizer(on: bus)

        let dead = try await deadLetter(from: bus)
        #expect(dead.type == MessageType.rawBundle && dead.body == [0xFF, 0xFF, 0xFF], "the bundle goes whole, as it came")
        let reason = try #require(dead.headers[BusHeader.deadLetterReason])
        #expect(reason.hasPrefix("body: not a decodable fleetwatch.v1.RawBundle (3 bytes)"), "reason: \(reason)")
        #expect(bus.depth(of: FleetQueue.persist)! == (0, 0))
        try await eventually { bus.depth(of: FleetQueue.normalize)! == (0, 0) }
        running.cancel()
        try await running.value
        await bus.shutdown()
    }

    @Test func aBatchOutsideTheAcceptedTimeWindowIsDeadLetteredNamingTheField() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize + .persist)
        var future = rawBatch(7, machine: "m7")
        future.timestampMs = testNowMs + 10 * 60 * 1000  // past the 5 minutes of clock skew BatchLimits allows
        try await bus.publish([try bundle([future])])
        let running = try await startNormalizer(on: bus)

        let dead = try await deadLetter(from: bus)
        #expect(dead.type == MessageType.rawBundle, "a bundle of that one batch is dead-lettered as it came")
        #expect(
            dead.headers[BusHeader.deadLetterReason]
                == "timestamp_ms: \(testNowMs + 600_000) is more than 300 s in the future")
        #expect(try DeliveryBatches.raw(dead).map(\.sequence) == [7], "replayable")
        #expect(bus.depth(of: FleetQueue.persist)! == (0, 0))
        try await eventually { bus.depth(of: FleetQueue.normalize)! == (0, 0) }
        running.cancel()
        try await running.value
        await bus.shutdown()
    }

    @Test func aProbeBatchIsEchoedOnFleetEventsOnceNormalized() async throws {
        let bus = InProcessBus()
        let echoes = "test.probe-echoes"
        try await bus.declare(
            .normalize + .persist
                + Topology(
                    queues: [.init(name: echoes, durable: false)],
                    bindings: [.init(exchange: FleetExchange.events, queue: echoes, routingKey: "probe.#")]))
        var probe = rawBatch(3, machine: "probe-1")
        probe.identity.machineID = "probe-1"
        probe.identity.labels[Probe.label] = "test"
        probe.timestampMs = testNowMs - 250
        try await bus.publish([try bundle([rawBatch(1, machine: "m1"), probe])])
        let running = try await startNormalizer(on: bus)

        let consumer = try await bus.consume(queue: echoes, prefetch: 10)
        let delivery = try #require(try await consumer.next())
        #expect(delivery.type == MessageType.probeEcho)
        #expect(delivery.routingKey == RoutingKey.probe(hop: .normalized, machine: "probe-1"))
        let echo = try Fleetwatch_V1_ProbeEcho(serializedBytes: delivery.body)
        #expect(echo.machineID == "probe-1" && echo.sequence == 3 && echo.hop == ProbeHop.normalized.rawValue)
        #expect(echo.sentMs == testNowMs - 250 && echo.observedMs == testNowMs)
        try await consumer.ack([delivery])
        // Echoes are published together after the ack, so by now any echo of the ordinary batch would be here too.
        try await eventually { bus.depth(of: FleetQueue.normalize)! == (0, 0) }
        #expect(bus.depth(of: echoes)! == (0, 0), "only the probe machine's batch is echoed")
        #expect(try await take(2, from: bus).map(\.sequence).sorted() == [1, 3], "a probe batch is ordinary data")
        await consumer.close()
        running.cancel()
        try await running.value
        await bus.shutdown()
    }

    /// The one message of fleet.normalize.dlq, acked.
    private func deadLetter(from bus: InProcessBus) async throws -> Delivery {
        let dlq = try await bus.consume(queue: FleetQueue.deadLetter(of: FleetQueue.normalize), prefetch: 10)
        let dead = try #require(try await dlq.next())
        try await dlq.ack([dead])
        await dlq.close()
        return dead
    }

    private func startNormalizer(on bus: InProcessBus) async throws -> Task<Void, any Error> {
        let worker = NormalizerWorker(bus: bus, logger: Logger(label: "test.normalizer"), now: { testNowMs })
        return Task { try await worker.run() }
    }

    /// A `RawBundle` as the edge publishes it, each batch stamped with the edge's receive time.
    private func bundle(_ batches: [Fleetwatch_V1_RawBatch]) throws -> OutgoingMessage {
        let body = BundleBody(
            try batches.map { batch in
                var stamped = batch
                stamped.receivedMs = testNowMs
                return try stamped.serializedBytes()
            })
        return OutgoingMessage(
            exchange: FleetExchange.raw, routingKey: RoutingKey.rawBundle, body: body.bytes, type: MessageType.rawBundle)
    }

    /// Takes `count` batches from fleet.persist, checking that each message is a slot bundle.
    private func take(_ count: Int, from bus: InProcessBus) async throws -> [Fleetwatch_V1_MetricBatch] {
        let consumer = try await bus.consume(queue: FleetQueue.persist, prefetch: 100)
        var batches: [Fleetwatch_V1_MetricBatch] = []
        while batches.count < count {
            let deliveries = try await consumer.nextBatch(max: 100, window: .zero)
            for delivery in deliveries {
                #expect(delivery.type == MessageType.metricBundle)
                let inside = try DeliveryBatches.metric(delivery)
                #expect(
                    inside.allSatisfy { RoutingKey.metrics(slot: MetricSlot.of(machine: $0.machine.machineID), group: .samples) == delivery.routingKey })
                batches += inside
            }
            try await consumer.ack(deliveries)
        }
        await consumer.close()
        return batches
    }
}
