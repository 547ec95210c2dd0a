import FleetBus
import Synchronization
import Testing

@testable import FleetAlerts

/// Hand-overs never cut a batch off: an idle subscription closes at once, a busy one after its batch.
@Suite struct PartitionSlotTests {
    final class RecordingConsumer: MessageConsumer {
        let closed = Mutex(0)
        func next() async throws -> Delivery? { nil }
        func nextBatch(max: Int, window: Duration) async throws -> [Delivery] { [] }
        func ack(_ deliveries: [Delivery]) async throws {}
        func requeue(_ deliveries: [Delivery]) async throws {}
        func deadLetter(_ delivery: Delivery, reason: String) async throws {}
        func deadLetter(part body: [UInt8], type: String, of delivery: Delivery, reason: String) async throws {}
        func close() async { closed.withLock { $0 += 1 } }
    }

    @Test func anIdleSubscriptionIsClosedAtOnce() async {
        let slot = PartitionSlot(index: 0)
        let consumer = RecordingConsumer()
        slot.subscribed(consumer)
        await slot.handOver()
        #expect(consumer.closed.withLock { $0 } == 1)
        await slot.handOver()  // asked twice: closed once
        #expect(consumer.closed.withLock { $0 } == 1)
        let ended = slot.ended()
        #expect(ended.handedOver && !slot.isSubscribed)
    }

    @Test func aBusySubscriptionEndsOnlyAfterItsBatch() async {
        let slot = PartitionSlot(index: 1)
        let consumer = RecordingConsumer()
        slot.subscribed(consumer)
        slot.startedBatch(machines: ["m1", "m2"], atMs: 5_000)
        await slot.handOver()
        #expect(consumer.closed.withLock { $0 } == 0, "a batch in hand is never cut off")
        #expect(slot.deliveredSince(4_000) && !slot.deliveredSince(6_000))
        #expect(slot.finishedBatch(), "the evaluator is told to end the subscription after the batch")
        let ended = slot.ended()
        #expect(ended.handedOver && ended.machines == ["m1", "m2"])
        // A fresh subscription starts clean.
        slot.subscribed(consumer)
        slot.startedBatch(machines: ["m3"], atMs: 7_000)
        #expect(!slot.finishedBatch())
        #expect(slot.takeMachines() == ["m3"] && slot.takeMachines().isEmpty)
    }
}
