import FleetBus
import FleetCore
import FleetProto
import Logging
import Synchronization

/// Spreads the alert partitions over the evaluator replicas. Every replica subscribes to every partition
/// (single active consumer: the standbys take over within seconds when the active one dies), announces itself
/// on fleet.events and hears the others; each partition belongs to one live replica, round robin
/// (`EvaluatorMembership`), and a replica that is active on a partition belonging to another hands it over by
/// unsubscribing (after the batch in hand) and subscribing again: the broker makes the next replica in line
/// active. With three or more replicas that may not be the owner yet; it hands over in turn, so the partition
/// settles with its owner within a few rounds.
final class PartitionBalancer: Sendable {
    let bus: any MessageBus
    let instance: String
    let slots: [PartitionSlot]
    let logger: Logger
    let now: @Sendable () -> Int64
    let interval: Duration
    /// A replica still receiving from a partition it handed over hands it over again after this long.
    let retryMs: Int64
    private let membership: Mutex<EvaluatorMembership>
    /// How a lost broker connection is retried.
    private let retryPolicy: RetryPolicy

    init(
        bus: any MessageBus, instance: String, slots: [PartitionSlot], logger: Logger, now: @escaping @Sendable () -> Int64,
        interval: Duration = .seconds(2), retryMs: Int64 = 10_000, retryPolicy: RetryPolicy = RetryPolicy()
    ) {
        self.retryPolicy = retryPolicy
        self.bus = bus
        self.instance = instance
        self.slots = slots
        self.logger = logger
        self.now = now
        self.interval = interval
        self.retryMs = retryMs
        self.membership = Mutex(EvaluatorMembership(me: instance))
    }

    /// Follows the other replicas until cancelled; a lost broker connection is retried with backoff (meanwhile
    /// every partition stays where single-active-consumer put it).
    func run() async {
        await retryPolicy.keepRunning({
            try await followMembers()
            return .again
        }, onFailure: { error, _, delay in
            logger.warning(
                "following the other evaluators failed; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
        })
    }

    private func followMembers() async throws {
        try await bus.declare(.evaluatorMembers(instance: instance))
        let consumer = try await bus.consume(queue: FleetQueue.evaluatorMembers(instance), prefetch: 100)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        let deliveries = try await consumer.nextBatch(max: 100, window: .zero)
                        guard !deliveries.isEmpty else { throw BusError.closed }
                        let nowMs = self.now()
                        for delivery in deliveries where delivery.type == MessageType.evaluatorHeartbeat {
                            guard let beat = try? Fleetwatch_V1_EvaluatorHeartbeat(serializedBytes: delivery.body) else { continue }
                            self.membership.withLock { $0.heard(beat.instance, atMs: nowMs) }
                        }
                        try await consumer.ack(deliveries)
                    }
                }
                group.addTask { try await self.balance() }
                // Either ending (the heartbeat queue lost with its connection) restarts both.
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    private func balance() async throws {
        var members: [String] = []
        var handedOverAt: [Int: Int64] = [:]
        while !Task.isCancelled {
            // Announce only once subscribed everywhere: a replica that is not in line yet could not take over.
            if slots.allSatisfy(\.isSubscribed) { await heartbeat() }
            let nowMs = now()
            let live = membership.withLock { $0.live(nowMs: nowMs) }
            let changed = live != members
            if changed {
                logger.info("alert evaluators", metadata: ["members": "\(live)", "me": "\(instance)"])
                members = live
            }
            for slot in slots where EvaluatorMembership.owner(of: slot.index, among: live) != instance {
                // Hand over once when the membership changes, and again while still receiving from it.
                let retry = slot.deliveredSince(nowMs - retryMs) && handedOverAt[slot.index].map { nowMs - $0 >= retryMs } ?? true
                guard changed || retry, slot.isSubscribed else { continue }
                handedOverAt[slot.index] = nowMs
                logger.debug("handing a partition over", metadata: ["queue": "\(slot.queue)"])
                await slot.handOver()
            }
            try await Task.sleep(for: interval)
        }
    }

    private func heartbeat() async {
        let beat = Fleetwatch_V1_EvaluatorHeartbeat.with {
            $0.instance = instance
            $0.sentMs = now()
        }
        do {
            try await bus.publish([
                OutgoingMessage(
                    exchange: FleetExchange.events, routingKey: RoutingKey.evaluatorHeartbeat(instance: instance),
                    body: try beat.serializedBytes(), type: MessageType.evaluatorHeartbeat, persistent: false)
            ])
        } catch {
            logger.warning("heartbeat not published", metadata: ["error": "\(error)"])
        }
    }
}
