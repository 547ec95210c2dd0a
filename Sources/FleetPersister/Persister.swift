import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import Logging
import Tracing

/// The `persist` consumer: takes rounds of deliveries from fleet.persist, writes their samples in one
/// store transaction and acks them only once it committed (at-least-once; the store is idempotent).
///
/// Poison messages go to the DLQ with a precise reason. A store failure never requeues: requeues count
/// toward the quorum queue's delivery limit, so a database outage would push good messages into the DLQ.
/// Instead the persister holds the decoded round, takes nothing new, and retries the same write with
/// exponential backoff and jitter until it commits (stalled on the database: logged, counted in
/// `fleetwatch_persister_store_errors_total`, flagged by the `fleetwatch_persister_store_stalled` gauge).
/// Only shutdown ends the wait early: the held deliveries are then requeued for another replica or the
/// next start (one delivery-count increment per shutdown).
public struct Persister: Sendable {
    /// How one round ended, for tests and callers of `persistRound(_:)`.
    public enum RoundOutcome: Sendable, Equatable {
        /// Everything was settled: `persisted` acked after the commit, `deadLettered` moved to the DLQ.
        /// `storeFailures` counts the failed store calls the round was retried through before it committed.
        case settled(persisted: Int, deadLettered: Int, result: PersistResult, storeFailures: Int)
        /// The task was cancelled (shutdown) while the round waited to retry a failed store call: the
        /// decodable deliveries were requeued, the poison ones had already been dead-lettered.
        case requeuedOnShutdown(requeued: Int, deadLettered: Int, storeFailures: Int, lastError: String)
    }

    public let consumer: any MessageConsumer
    public let store: any MetricStore
    public let configuration: PersisterConfiguration
    let logger: Logger
    let now: @Sendable () -> Date
    /// How a failed receive and a failed store call are retried (`configuration.backoff`, with jitter).
    let retry: RetryPolicy
    /// Told false when the persister stalls on the database and true when it recovers (feeds /readyz).
    let onStoreAvailability: @Sendable (Bool) -> Void
    /// Echoes committed probe batches (`fleetwatch probe`); nil where nobody measures (tests).
    let echoes: ProbeEchoes?
    let metrics = PersisterMetrics()
    /// Counts and logs (once per machine and series) the unusable values `MetricBatchDecoder` removed.
    let droppedValues: DroppedValueReporter
    /// The per-machine series limit at the store's boundary: anyone with broker access can publish on fleet.metrics.
    let series: SeriesLimiter

    public init(
        consumer: any MessageConsumer, store: any MetricStore, configuration: PersisterConfiguration = .init(),
        logger: Logger = Logger(label: "fleetwatch.persister"), now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        onStoreAvailability: @escaping @Sendable (Bool) -> Void = { _ in }, echoes: ProbeEchoes? = nil
    ) {
        self.echoes = echoes
        self.onStoreAvailability = onStoreAvailability
        self.consumer = consumer
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.retry = RetryPolicy(backoff: configuration.backoff, random: random, sleep: sleep)
        self.droppedValues = DroppedValueReporter(
            counter: PersisterMetrics.droppedValues, stage: "persist", logger: logger)
        self.series = SeriesLimiter(
            limit: configuration.limits.maxSeriesPerMachine, counter: "fleetwatch_persist_refused_series_total",
            stage: "persister", logger: logger)
    }

    /// Consumes until the task is cancelled or the consumer closes, running retention and rollups alongside.
    /// On cancellation a round whose store call is in flight finishes that call (commit + ack, or requeue
    /// if it failed); a round waiting to retry a failed write is requeued; then the consumer closes.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            if let interval = configuration.retentionInterval {
                group.addTask { await runRetention(every: interval) }
            }
            if let interval = configuration.rollupInterval {
                group.addTask { await runRollups(every: interval) }
            }
            await consumeUntilStopped()
            group.cancelAll()
        }
        await consumer.close()
        logger.info("persister stopped")
    }

    func consumeUntilStopped() async {
        await retry.keepRunning({
            let deliveries: [Delivery]
            do {
                deliveries = try await consumer.nextBatch(max: configuration.batchSize, window: configuration.batchWindow)
            } catch BusError.closed {
                return .stop
            } catch BusError.topology(let why) {
                // The broker cancelled the subscription (queue deleted): retrying the same consumer
                // cannot recover, so stop and let the process exit and restart.
                logger.error("the broker cancelled the subscription; stopping", metadata: ["reason": "\(why)"])
                return .stop
            }
            // An empty round means the consumer was closed underneath us.
            guard !deliveries.isEmpty else { return .stop }

            // Returns once the round is settled (possibly after a long database outage) or, on
            // cancellation, requeued; the loop then stops.
            _ = await persistRound(deliveries)
            return .again
        }, onFailure: { error, failures, delay in
            logger.warning("receiving from the bus failed", metadata: ["error": "\(error)"])
            logger.notice("backing off", metadata: ["delay": "\(delay)", "consecutive_failures": "\(failures)"])
        })
    }

    /// Decodes, dead-letters the poison, and persists the rest in one store call, retrying that same call
    /// with backoff until it commits; then acks. Returns early only when the task is cancelled while the
    /// round waits to retry (or its in-flight call failed): the decodable deliveries are then requeued.
    ///
    /// Store calls and settling run in unstructured tasks on purpose: cancelling the caller must not
    /// interrupt a write or a dead-letter publish half-way; cancellation is acted on only between calls.
    public func persistRound(_ deliveries: [Delivery]) async -> RoundOutcome {
        let started = ContinuousClock.now
        let tracedFrom = DefaultTracerClock.now
        metrics.messagesConsumed.increment(by: deliveries.count)
        let round = await Task { await decode(deliveries) }.value
        guard !round.batches.isEmpty else {
            // Bundles whose every batch went to the DLQ on its own: nothing to write, but settled all the same.
            if !round.good.isEmpty {
                let good = round.good
                try? await Task { try await consumer.ack(good) }.value
            }
            return .settled(
                persisted: round.good.count, deadLettered: round.deadLettered, result: PersistResult(), storeFailures: 0)
        }

        // The same write, retried in place until it commits; `failures` and `lastError` count every failed call,
        // the one noticed at a shutdown too (the policy tells `onFailure` only of those it waits after).
        var failures = 0
        var lastError: any Error = CancellationError()
        let committed = await retry.run({ () async throws -> PersistResult in
            do {
                return try await Task { try await store.persist(round.batches) }.value
            } catch {
                failures += 1
                lastError = error
                metrics.storeErrors.increment()
                throw error
            }
        }, onFailure: { error, attempt, delay in
            var metadata: Logger.Metadata = [
                "error": "\(error)", "messages": "\(round.good.count)", "attempt": "\(attempt)",
                "retry_in": "\(delay)",
            ]
            if attempt == 1 {
                onStoreAvailability(false)
                metrics.storeStalled.record(1)
                metrics.heldMessages.record(round.good.count)
                logger.error(
                    "persisting failed; persister stalled on the database: holding the round and retrying it",
                    metadata: metadata)
            } else {
                metadata["stalled_for"] = "\(ContinuousClock.now - started)"
                logger.warning("persisting still failing; persister stalled on the database", metadata: metadata)
            }
        })
        guard let result = committed else {
            return await release(round, failures: failures, lastError: lastError)
        }
        if failures > 0 {
            onStoreAvailability(true)
            metrics.storeStalled.record(0)
            metrics.heldMessages.record(0)
            logger.notice(
                "database recovered; the held round committed",
                metadata: [
                    "attempts": "\(failures + 1)", "messages": "\(round.good.count)",
                    "stalled_for": "\(ContinuousClock.now - started)",
                ])
        }
        await settle(round, result: result, started: started)
        BatchSpans.record("persist batch", round.batches, from: tracedFrom, logger: logger, message: "batch persisted")
        return .settled(
            persisted: round.good.count, deadLettered: round.deadLettered, result: result, storeFailures: failures)
    }

    /// The deliveries of a round after decoding: the poison ones are already in the DLQ (or requeued).
    struct DecodedRound: Sendable {
        var good: [Delivery] = []
        var batches: [Fleetwatch_V1_MetricBatch] = []
        var deadLettered = 0
    }

    private func decode(_ deliveries: [Delivery]) async -> DecodedRound {
        var round = DecodedRound()
        let nowMs = Int64((now().timeIntervalSince1970 * 1000).rounded(.down))
        for delivery in deliveries {
            switch MetricBatchDecoder.decode(delivery, limits: configuration.limits, nowMs: nowMs) {
            case .success(let decoded):
                // A delivery that is one bad batch goes to the DLQ whole, as before bundles.
                if decoded.count == 1, let refused = decoded.refused.first {
                    if await deadLetter(delivery, reason: refused.rejection.reason) { round.deadLettered += 1 }
                    continue
                }
                var settled = true
                for refused in decoded.refused where settled {
                    settled = await deadLetter(refused.batch, of: delivery, reason: refused.rejection.reason)
                    if settled { round.deadLettered += 1 }
                }
                // A bad batch that could not reach the DLQ: the delivery went back to the queue whole.
                guard settled else { continue }
                for accepted in decoded.accepted {
                    droppedValues.report(
                        accepted.dropped, machine: accepted.batch.machine.machineID, sequence: accepted.batch.sequence)
                    var batch = accepted.batch
                    series.apply(&batch)
                    round.batches.append(batch)
                }
                round.good.append(delivery)
            case .failure(let rejection):
                if await deadLetter(delivery, reason: rejection.reason) { round.deadLettered += 1 }
            }
        }
        return round
    }

    /// Acks a committed round and records its metrics.
    private func settle(_ round: DecodedRound, result: PersistResult, started: ContinuousClock.Instant) async {
        let good = round.good
        do {
            try await Task { try await consumer.ack(good) }.value
        } catch {
            // Committed but not acked: the broker redelivers and the store skips the duplicates.
            logger.warning("ack failed after commit; expect a harmless redelivery", metadata: ["error": "\(error)"])
        }
        if let echoes {
            let batches = round.batches, observedMs = Int64(now().timeIntervalSince1970 * 1000)
            await Task { await echoes.publish(for: batches, at: observedMs) }.value
        }
        metrics.samplesInserted.increment(by: result.samplesInserted)
        metrics.samplesDuplicate.increment(by: result.samplesDuplicate)
        metrics.batchesDuplicate.increment(by: result.batchesDuplicate)
        metrics.batchDuration.record(duration: ContinuousClock.now - started)
        if result.batchesDuplicate > 0 {
            logger.debug("redelivered batches skipped", metadata: ["batches": "\(result.batchesDuplicate)"])
        }
    }

    /// Shutdown while holding a round that could not be written: hands it back to the queue.
    private func release(_ round: DecodedRound, failures: Int, lastError: any Error) async -> RoundOutcome {
        metrics.storeStalled.record(0)
        metrics.heldMessages.record(0)
        logger.warning(
            "stopping while stalled on the database; requeueing the held round",
            metadata: ["messages": "\(round.good.count)", "attempts": "\(failures)", "error": "\(lastError)"])
        let good = round.good
        do {
            try await Task { try await consumer.requeue(good) }.value
            metrics.requeuedOnShutdown.increment(by: good.count)
        } catch {
            // The deliveries stay unacked; the broker returns them when the consumer closes just after.
            logger.error("requeue failed; the broker returns the round on close", metadata: ["error": "\(error)"])
        }
        return .requeuedOnShutdown(
            requeued: good.count, deadLettered: round.deadLettered, storeFailures: failures,
            lastError: "\(lastError)")
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

    /// True once one batch of a bundle sits in the DLQ as a message of its own. If that fails the whole
    /// delivery is requeued, never dropped.
    private func deadLetter(_ batch: Fleetwatch_V1_MetricBatch, of delivery: Delivery, reason: String) async -> Bool {
        logger.warning(
            "dead-lettering a batch of a bundle",
            metadata: [
                "reason": "\(reason)", "machine": "\(batch.machine.machineID.prefix(128))", "sequence": "\(batch.sequence)",
            ])
        do {
            try await consumer.deadLetter(
                part: try batch.serializedBytes(), type: MessageType.metricBatch, of: delivery, reason: reason)
            metrics.deadLettered.increment()
            return true
        } catch {
            logger.error("dead-lettering failed; requeueing the delivery", metadata: ["error": "\(error)"])
            try? await consumer.requeue([delivery])
            return false
        }
    }
}
