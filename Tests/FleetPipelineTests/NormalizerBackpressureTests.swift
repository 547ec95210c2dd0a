import FleetBus
import FleetCore
import FleetNormalizer
import FleetProto
import Logging
import Testing

/// The normalizer's hop: a full fleet.persist pushes back on it, and it holds its deliveries and retries —
/// no requeue (which would count toward the delivery limit), no dead-lettering, nothing dropped.
@Suite(.timeLimit(.minutes(1))) struct NormalizerBackpressureTests {
    @Test func aFullPersistQueueMakesTheNormalizerHoldItsBatchesUntilThereIsRoom() async throws {
        let bus = InProcessBus(defaultMaxLength: 2, publishWait: .milliseconds(100))
        try await bus.declare(.normalize + .persist)
        let worker = NormalizerWorker(bus: bus, logger: Logger(label: "test.normalizer"), now: { testNowMs })
        let running = Task { try await worker.run() }

        // One at a time: a round of several batches would go out as one bundle.
        try await bus.publish([raw(1)])
        try await eventually { bus.depth(of: FleetQueue.persist)! == (1, 0) }
        try await bus.publish([raw(2)])
        try await eventually { bus.depth(of: FleetQueue.persist)! == (2, 0) }
        try await bus.publish([raw(3), raw(4)])
        try await eventually { bus.depth(of: FleetQueue.normalize)! == (0, 2) }
        // Several refused attempts later: still held, nothing dead-lettered or requeued, persist still bounded.
        try await Task.sleep(for: .milliseconds(500))
        #expect(bus.depth(of: FleetQueue.normalize)! == (0, 2))
        #expect(bus.depth(of: FleetQueue.deadLetter(of: FleetQueue.normalize))! == (0, 0))
        #expect(bus.depth(of: FleetQueue.persist)! == (2, 0))

        let persister = try await bus.consume(queue: FleetQueue.persist, prefetch: 10)
        var persisted: [UInt64] = []
        while persisted.count < 4 {
            let deliveries = try await persister.nextBatch(max: 10, window: .zero)
            persisted += try deliveries.flatMap { try DeliveryBatches.metric($0).map(\.sequence) }
            #expect(deliveries.allSatisfy { !$0.redelivered })
            try await persister.ack(deliveries)
        }
        #expect(persisted == [1, 2, 3, 4])
        try await eventually { bus.depth(of: FleetQueue.normalize)! == (0, 0) }
        #expect(bus.depth(of: FleetQueue.deadLetter(of: FleetQueue.normalize))! == (0, 0))
        running.cancel()
        try await running.value
        await bus.shutdown()
    }

    private func raw(_ sequence: UInt64) throws -> OutgoingMessage {
        let batch = rawBatch(sequence)
        return OutgoingMessage(
            exchange: FleetExchange.raw, routingKey: RoutingKey.raw(source: batch.source, machine: batch.machineID),
            body: try batch.serializedBytes(), type: MessageType.rawBatch,
            headers: [BusHeader.receivedAt: String(testNowMs)])
    }
}
