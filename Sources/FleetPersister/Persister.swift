import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import Logging

/// The `persist` consumer: takes rounds of deliveries from fleet.persist, writes their samples in one
/// store transaction and acks them only once it committed (at-least-once; the store is idempotent).
/// Poison messages go to the DLQ with a precise reason; store failures requeue the round and back off.
public struct Persister: Sendable {
    /// What one round did, for the loop's backoff and for tests.
    public enum RoundOutcome: Sendable, Equatable {
        /// Everything was settled: `persisted` acked after the commit, `deadLettered` moved to the DLQ.
        case settled(persisted: Int, deadLettered: Int, result: PersistResult)
        /// The store failed: the decodable deliveries were requeued.
        case storeFailed(requeued: Int, error: String)
    }

    public let consumer: any MessageConsumer
    public let store: any MetricStore
    public let configuration: PersisterConfiguration
    let logger: Logger
    let now: @Sendable () -> Date
    let random: @Sendable () -> Double
    let metrics = PersisterMetrics()

    public init(
        consumer: any MessageConsumer, store: any MetricStore, configuration: PersisterConfiguration = .init(),
        logger: Logger = Logger(label: "fleetwatch.persister"), now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.consumer = consumer
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.random = random
    }

    /// Consumes until the task is cancelled or the consumer closes, running retention alongside.
    /// On cancellation the round in flight is finished (persisted and acked) before the consumer closes.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            if let interval = configuration.retentionInterval {
                group.addTask { await runRetention(every: interval) }
            }
            await consumeUntilStopped()
            group.cancelAll()
        }
        await consumer.close()
        logger.info("persister stopped")
    }

    func consumeUntilStopped() async {
        var consecutiveFailures = 0
        while !Task.isCancelled {
            let deliveries: [Delivery]
            do {
                deliveries = try await consumer.nextBatch(max: configuration.batchSize, window: configuration.batchWindow)
            } catch is CancellationError {
                return
            } catch BusError.closed {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("receiving from the bus failed", metadata: ["error": "\(error)"])
                consecutiveFailures += 1
                await pause(afterFailures: consecutiveFailures)
                continue
            }
            // An empty round means the consumer was closed underneath us.
            guard !deliveries.isEmpty else { return }

            // Unstructured on purpose: cancelling the loop must not interrupt a write half-way; the round
            // finishes (commit + ack, or requeue) and the loop stops afterwards.
            let outcome = await Task { await persistRound(deliveries) }.value
            switch outcome {
            case .settled:
                consecutiveFailures = 0
            case .storeFailed:
                consecutiveFailures += 1
                await pause(afterFailures: consecutiveFailures)
            }
        }
    }

    /// Decodes, dead-letters the poison, persists the rest in one call and settles every delivery.
    public func persistRound(_ deliveries: [Delivery]) async -> RoundOutcome {
        let started = ContinuousClock.now
        metrics.messagesConsumed.increment(by: deliveries.count)
        var good: [Delivery] = []
        var batches: [Fleetwatch_V1_MetricBatch] = []
        var deadLettered = 0
        for delivery in deliveries {
            switch MetricBatchDecoder.decode(delivery) {
            case .success(let batch):
                good.append(delivery)
                batches.append(batch)
            case .failure(let rejection):
                if await deadLetter(delivery, reason: rejection.reason) { deadLettered += 1 }
            }
        }
        guard !batches.isEmpty else {
            return .settled(persisted: 0, deadLettered: deadLettered, result: PersistResult())
        }

        let result: PersistResult
        do {
            result = try await store.persist(batches)
        } catch {
            metrics.storeErrors.increment()
            logger.error(
                "persisting failed; requeueing the round",
                metadata: ["error": "\(error)", "messages": "\(good.count)"])
            do {
                try await consumer.requeue(good)
            } catch {
                // The deliveries stay unacked; the broker returns them when this consumer's channel closes.
                logger.error("requeue failed", metadata: ["error": "\(error)"])
            }
            return .storeFailed(requeued: good.count, error: "\(error)")
        }

        do {
            try await consumer.ack(good)
        } catch {
            // Committed but not acked: the broker redelivers and the store skips the duplicates.
            logger.warning("ack failed after commit; expect a harmless redelivery", metadata: ["error": "\(error)"])
        }
        metrics.samplesInserted.increment(by: result.samplesInserted)
        metrics.samplesDuplicate.increment(by: result.samplesDuplicate)
        metrics.batchesDuplicate.increment(by: result.batchesDuplicate)
        metrics.batchDuration.record(duration: ContinuousClock.now - started)
        if result.batchesDuplicate > 0 {
            logger.debug("redelivered batches skipped", metadata: ["batches": "\(result.batchesDuplicate)"])
        }
        return .settled(persisted: good.count, deadLettered: deadLettered, result: result)
    }

    /// True once the message sits in the DLQ. If that fails it is requeued, never dropped.
    private func deadLetter(_ delivery: Delivery, reason: String) async -> Bool {
        logger.warning(
            "dead-lettering a message", metadata: ["reason": "\(reason)", "routing_key": "\(delivery.routingKey)"])
        do {
            try await consumer.deadLetter(delivery, reason: reason)
            metrics.deadLettered.increment()
            return true
        } catch {
            logger.error("dead-lettering failed; requeueing", metadata: ["error": "\(error)"])
            try? await consumer.requeue([delivery])
            return false
        }
    }

    /// Waits with exponential backoff and jitter, at least half the ceiling so a failing store is never spun on.
    private func pause(afterFailures failures: Int) async {
        let ceiling = configuration.backoff.ceiling(attempt: failures - 1)
        let delay = ceiling / 2 + configuration.backoff.delay(attempt: failures - 1, unit: random()) / 2
        logger.notice("backing off", metadata: ["delay": "\(delay)", "consecutive_failures": "\(failures)"])
        try? await Task.sleep(for: delay)
    }

    func runRetention(every interval: Duration) async {
        while !Task.isCancelled {
            do {
                let report = try await store.applyRetention(now: now())
                logger.info(
                    "retention applied",
                    metadata: [
                        "dropped_partitions": "\(report.droppedPartitions)",
                        "deleted_minute_rollups": "\(report.deletedMinuteRollups)",
                        "deleted_hour_rollups": "\(report.deletedHourRollups)",
                    ])
            } catch {
                metrics.storeErrors.increment()
                logger.error("retention failed; trying again next round", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
