import FleetBus
import FleetCore
import FleetIngest
import FleetProto
import GRPCCore
import Testing

/// The edge on its own, over the in-process bus: it acks a batch only once the bus took it, stamped with the edge's
/// receive time, and refuses what it must refuse without publishing anything.
@Suite(.timeLimit(.minutes(1))) struct IngestServiceTests {
    @Test func anAckedBatchIsOnTheBusStampedWithTheEdgesReceiveTime() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize)
        try await withEdge(bus) { edge in
            let stream = EdgeStream(edge)
            stream.send(rawBatch(1, machine: "m1"))
            try await eventually { stream.acks == [1] }
            stream.finish()
            try await stream.result.get()
        }
        let consumer = try await bus.consume(queue: FleetQueue.normalize, prefetch: 10)
        let delivery = try #require(try await consumer.next())
        #expect(delivery.type == MessageType.rawBundle && delivery.routingKey == RoutingKey.rawBundle)
        let batches = try DeliveryBatches.raw(delivery)
        #expect(batches.map(\.sequence) == [1] && batches.first?.receivedMs == testNowMs)
        await bus.shutdown()
    }

    @Test func aWrongTokenIsUnauthenticatedAndNothingIsPublished() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize)
        try await withEdge(bus) { edge in
            let stream = EdgeStream(edge, token: "not-the-token")
            stream.send(rawBatch(1))
            let error = try #require(await stream.result.failure as? RPCError)
            #expect(error.code == .unauthenticated)
            #expect(stream.acks.isEmpty)
        }
        #expect(bus.depth(of: FleetQueue.normalize)! == (0, 0))
        await bus.shutdown()
    }

    @Test func anInvalidBatchIsRefusedNamingTheFieldAndNotPublished() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize)
        try await withEdge(bus) { edge in
            let stream = EdgeStream(edge)
            stream.send(rawBatch(1, machine: "../../x"))
            let error = try #require(await stream.result.failure as? RPCError)
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("batch 1: machine_id"))
            #expect(stream.acks.isEmpty)
        }
        #expect(bus.depth(of: FleetQueue.normalize)! == (0, 0))
        await bus.shutdown()
    }

    @Test func aBusThatIsDownIsUnavailableWithoutAnAck() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize)
        await bus.shutdown()
        try await withEdge(bus) { edge in
            let stream = EdgeStream(edge)
            stream.send(rawBatch(1))
            let error = try #require(await stream.result.failure as? RPCError)
            #expect(error.code == .unavailable)
            #expect(stream.acks.isEmpty)
        }
    }

    /// Defect 6 of issue 12: 100,000 distinct series from one machine were all accepted. New series past the
    /// machine's limit are now refused; the ack says how many and the limit, the batch on the bus carries the
    /// count for the dashboard, and the machine's known series keep flowing.
    @Test func newSeriesPastTheMachinesLimitAreRefusedAndSaidSo() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize)
        var limits = BatchLimits()
        limits.maxSeriesPerMachine = 50
        func batch(_ sequence: UInt64, keys: Range<Int>) -> Fleetwatch_V1_RawBatch {
            var batch = rawBatch(sequence)
            batch.readings = keys.map { index in .with { $0.key = "custom.k\(index)"; $0.value = 1 } }
            return batch
        }
        try await withEdge(bus, limits: limits) { edge in
            let stream = EdgeStream(edge)
            stream.send(batch(1, keys: 0..<40))
            stream.send(batch(2, keys: 0..<100))
            stream.send(batch(3, keys: 0..<50))
            try await eventually { stream.acks == [1, 2, 3] }
            stream.finish()
            try await stream.result.get()
            let acks = stream.ackMessages
            #expect(acks.map(\.refusedSeries) == [0, 50, 0])
            #expect(acks[1].seriesLimit == 50)
        }
        let consumer = try await bus.consume(queue: FleetQueue.normalize, prefetch: 10)
        var published: [Fleetwatch_V1_RawBatch] = []
        while published.count < 3, let delivery = try await consumer.next() {
            published += try DeliveryBatches.raw(delivery)
        }
        #expect(published.map(\.readings.count) == [40, 50, 50])
        #expect(published.map(\.refusedSeries) == [0, 50, 0])
        #expect(published[1].readings.map(\.key) == (0..<50).map { "custom.k\($0)" })
        await bus.shutdown()
    }
}
