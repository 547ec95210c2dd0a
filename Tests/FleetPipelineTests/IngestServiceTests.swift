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
}
