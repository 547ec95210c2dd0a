import FleetBus
import Testing

@testable import FleetAMQP

/// A nack makes the publisher reopen its publish channel (a channel that published while a quorum queue's leader
/// died keeps being refused, see `reopenPublishChannelIfRefused`): publishing goes on normally afterwards.
@Suite struct AMQPNackRecoveryTests {
    @Test(.timeLimit(.minutes(1))) func publishingGoesOnAfterANack() async throws {
        guard let bus = try await TestBroker.bus() else { return }
        let queue = TestBroker.uniqueQueue("nack")
        try await bus.declare(
            Topology(queues: [
                Topology.Queue(name: queue, arguments: ["x-max-length": .int(1), "x-overflow": .string("reject-publish")])
            ]))
        try await bus.publish([message(queue, "one")])
        await #expect {
            try await bus.publish([message(queue, "refused")])
        } throws: { error in
            if case BusError.nacked = error { return true }
            return false
        }
        #expect(try await bus.purge(queue: queue) == 1)
        for text in ["two", "three"] {
            try await bus.publish([message(queue, text)])
            #expect(try await bus.purge(queue: queue) == 1)
        }
        _ = try? await bus.deleteQueue(queue)
        await bus.shutdown()
    }
}
