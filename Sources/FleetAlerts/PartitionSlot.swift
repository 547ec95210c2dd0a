import FleetBus
import Synchronization

/// One alert partition as this evaluator follows it: its current subscription, whether the balancer asked to
/// hand it over, when it last delivered (only the active single-active-consumer receives), and the machines
/// it carried (forgotten when the partition goes to another replica).
final class PartitionSlot: Sendable {
    let index: Int
    let queue: String

    private struct State {
        var consumer: (any MessageConsumer)?
        var handOver = false
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

    func delivered(machines: some Sequence<String>, atMs: Int64) {
        state.withLock {
            $0.lastDeliveryMs = atMs
            $0.machines.formUnion(machines)
        }
    }

    /// True when this evaluator received from the partition since `ms`: it is the active consumer.
    func deliveredSince(_ ms: Int64) -> Bool { state.withLock { $0.lastDeliveryMs >= ms } }

    /// Unsubscribes, so the broker makes the next waiting replica active; the follower subscribes again (at the
    /// back of the line) once the consumer has closed.
    func handOver() async {
        let consumer: (any MessageConsumer)? = state.withLock {
            guard let consumer = $0.consumer else { return nil }
            $0.handOver = true
            $0.consumer = nil
            return consumer
        }
        await consumer?.close()
    }

    /// After the subscription ended: whether it was handed over (then subscribe again) and the machines to forget.
    func ended() -> (handedOver: Bool, machines: Set<String>) {
        state.withLock { state in
            let ended = (state.handOver, state.machines)
            state = State()
            return ended
        }
    }
}
