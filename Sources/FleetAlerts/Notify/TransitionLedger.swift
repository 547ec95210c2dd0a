import FleetBus
import Logging
import Metrics

/// The fleet.notify deliveries the dispatcher holds, each until every notification it joined settled it: acked
/// when all of them delivered it (or needed no delivery), dead-lettered with the reason once one failed.
struct TransitionLedger {
    private struct Held {
        var delivery: Delivery
        /// Settlements still expected; unknown (nil) until the grouper said how many groups it joined.
        var remaining: Int?
        var settled = 0
        var deadLettered = false
    }

    let consumer: any MessageConsumer
    let logger: Logger
    private var held: [UInt64: Held] = [:]
    private var nextReceipt: UInt64 = 1
    private let deadLettered = Counter(label: "fleetwatch_notifications_dead_lettered_total")

    init(consumer: any MessageConsumer, logger: Logger) {
        self.consumer = consumer
        self.logger = logger
    }

    /// Keeps `delivery` and returns the receipt that settles it.
    mutating func hold(_ delivery: Delivery) -> UInt64 {
        let receipt = nextReceipt
        nextReceipt += 1
        held[receipt] = Held(delivery: delivery)
        return receipt
    }

    /// The delivery joined `notifications` groups: it is settled after as many settlements.
    mutating func expect(_ receipt: UInt64, notifications: Int) async throws {
        held[receipt]?.remaining = notifications
        try await finishIfDone(receipt)
    }

    /// One group is done with the delivery: delivered (`failure` nil) or failed for `failure`.
    mutating func settle(_ receipt: UInt64, failure: String?) async throws {
        guard var entry = held[receipt] else { return }
        entry.settled += 1
        if let failure, !entry.deadLettered {
            try await consumer.deadLetter(entry.delivery, reason: failure)
            deadLettered.increment()
            entry.deadLettered = true
        }
        held[receipt] = entry
        try await finishIfDone(receipt)
    }

    /// How many deliveries are held.
    var count: Int { held.count }

    private mutating func finishIfDone(_ receipt: UInt64) async throws {
        guard let entry = held[receipt], let remaining = entry.remaining, entry.settled >= remaining else { return }
        held[receipt] = nil
        if !entry.deadLettered { try await consumer.ack([entry.delivery]) }
    }
}
