import FleetBus
import Synchronization

/// One alert partition as this evaluator follows it: its current subscription, whether the balancer asked to
/// hand it over, whether a batch is being worked on, when it last delivered (only the active
/// single-active-consumer receives), and the machines it carried (forgotten when the partition leaves).
///
/// A hand-over is cooperative: it never cuts a batch off. While the evaluator works on a batch (including
/// holding it through a database outage) the request waits, and the evaluator ends the subscription itself once
/// that batch is acked; a subscription idling in `nextBatch` (nothing unacked) is closed at once.
final class PartitionSlot: Sendable {
    let index: Int
    let queue: String

    private struct State {
        var consumer: (any MessageConsumer)?
        var handOverRequested = false
        var working = false
        var lastDeliveryMs: Int64 = .min
        var machines: Set<String> = []
    }

    private let state = Mutex(State())

    init(index: Int) {
        self.index = index
        self.queue = FleetQueue.alertPartition(index)
    }

    var isSubscribed: Bool { state.withLock { $0.consumer != nil } }

    func subscribed(_ consumer: any MessageConsumer) {
        state.withLock { $0.consumer = consumer }
    }

    /// A batch arrived: the evaluator works on it until `finishedBatch()`.
    func startedBatch(machines: some Sequence<String>, atMs: Int64) {
        state.withLock {
            $0.working = true
            $0.lastDeliveryMs = atMs
            $0.machines.formUnion(machines)
        }
    }

    /// The batch is settled; true when a hand-over is waiting, so the evaluator ends the subscription now.
    func finishedBatch() -> Bool {
        state.withLock {
            $0.working = false
            return $0.handOverRequested
        }
    }

    /// True when this evaluator received from the partition since `ms`: it is the active consumer.
    func deliveredSince(_ ms: Int64) -> Bool { state.withLock { $0.lastDeliveryMs >= ms } }

    /// The machines seen so far, forgotten from the slot (the subscription moved: another replica had them).
    func takeMachines() -> Set<String> {
        state.withLock { state in
            defer { state.machines = [] }
            return state.machines
        }
    }

    /// Asks for the partition to go to the replica waiting in line: closes an idle subscription now, or lets
    /// the evaluator close it after the batch in hand.
    func handOver() async {
        let idle: (any MessageConsumer)? = state.withLock {
            guard $0.consumer != nil, !$0.handOverRequested else { return nil }
            $0.handOverRequested = true
            return $0.working ? nil : $0.consumer
        }
        await idle?.close()
    }

    /// After the subscription ended: whether it was handed over (then subscribe again) and the machines to forget.
    func ended() -> (handedOver: Bool, machines: Set<String>) {
        state.withLock { state in
            let ended = (state.handOverRequested, state.machines)
            state = State()
            return ended
        }
    }
}
