import FleetBus
import FleetCore
import FleetNormalizer
import FleetProto
import Logging
import Testing

/// Issue 12, defect 1, at the normalizer's hop: a batch whose readings overflow once scaled (or are not finite at
/// all, published straight on fleet.raw) reaches fleet.metrics with its good samples, and nothing is dead-lettered.
@Suite(.timeLimit(.minutes(1))) struct UnusableValueTests {
    @Test func hugeAndNonFiniteReadingsCostTheBatchNothingElse() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize + .persist)
        let worker = NormalizerWorker(bus: bus, logger: Logger(label: "test.normalizer"), now: { testNowMs })
        let running = Task { try await worker.run() }

        var batch = rawBatch(1)
        batch.readings = [
            .with {
                $0.key = ProcReading.cpuBusyRatio
                $0.labels = ["cpu": "total"]
                $0.value = 1e308
            },
            .with {
                $0.key = ProcReading.memTotalKiB
                $0.value = 1e308
            },
            .with {
                $0.key = ProcReading.memAvailableKiB
                $0.value = 1000
            },
            .with {
                $0.key = ProcReading.loadavg5
                $0.value = .nan
            },
            .with {
                $0.key = ProcReading.loadavg1
                $0.value = 1.5
            },
        ]
        try await bus.publish([
            OutgoingMessage(
                exchange: FleetExchange.raw, routingKey: RoutingKey.raw(source: batch.source, machine: batch.machineID),
                body: try batch.serializedBytes(), type: MessageType.rawBatch,
                headers: [BusHeader.receivedAt: String(testNowMs)])
        ])

        let persist = try await bus.consume(queue: FleetQueue.persist, prefetch: 10)
        let deliveries = try await persist.nextBatch(max: 10, window: .zero)
        let normalized = try #require(try deliveries.flatMap { try DeliveryBatches.metric($0) }.first)
        #expect(normalized.sequence == 1)
        #expect(normalized.samples.allSatisfy { SampleValue.isUsable($0.value) })
        #expect(Set(normalized.samples.map(\.name)) == [MetricName.load1m, MetricName.memAvailableBytes])
        try await persist.ack(deliveries)
        try await eventually { bus.depth(of: FleetQueue.normalize)! == (0, 0) }
        #expect(bus.depth(of: FleetQueue.deadLetter(of: FleetQueue.normalize))! == (0, 0))
        running.cancel()
        try await running.value
        await bus.shutdown()
    }
}
