import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Logging
import Metrics
import Synchronization
import Tracing

/// The alert evaluator: consumes the alert partitions (single-active-consumer, so replicas share them), applies
/// the `RuleBook` through one `AlertEngine`, and for every transition writes alert history, then publishes an
/// alert event on fleet.events (confirmed), and only then acks the deliveries that caused it. Effects are
/// idempotent (transitions are keyed), so a redelivery after a crash changes nothing.
///
/// Anyone with broker access can publish on fleet.metrics: a batch that fails the edge's rules at the evaluator's
/// clock (machine `../../x`, a year-3000 stamp that would never look silent to a no-data rule) is skipped, counted
/// in `fleetwatch_alert_refused_batches_total` and logged once per machine and field (`RefusedBatchLog`). It is not
/// dead-lettered here: the persister dead-letters the same batch, replayably.
public final class AlertEvaluator: Sendable {
    private let bus: any MessageBus
    private let store: any AlertStore
    private let rules: RuleBook
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let engine = Mutex(AlertEngine())
    private let transitionsCounter = Counter(label: "fleetwatch_alert_transitions_total")
    private let evaluated = Counter(label: "fleetwatch_alert_batches_evaluated_total")
    private let echoes: ProbeEchoes
    /// Counts and logs (once per machine and series) the unusable values removed before evaluation: anyone with
    /// broker access can publish on fleet.metrics, and an Inf would fire a rule whose event no reader can encode.
    private let droppedValues: DroppedValueReporter
    /// The edge's bounds, applied again to every batch taken from a partition (`Fleetwatch_V1_MetricBatch.validate`).
    private let limits: BatchLimits
    /// How a failing database or broker is retried while the deliveries are held.
    private let retry: RetryPolicy
    private let refusals: RefusedBatchLog

    public init(
        bus: any MessageBus, store: any AlertStore, rules: RuleBook, logger: Logger, now: @escaping @Sendable () -> Int64,
        limits: BatchLimits = .standard, retry: RetryPolicy = RetryPolicy()
    ) {
        self.retry = retry
        self.refusals = RefusedBatchLog(counter: "fleetwatch_alert_refused_batches_total", stage: "evaluator", logger: logger)
        self.bus = bus
        self.store = store
        self.rules = rules
        self.logger = logger
        self.now = now
        self.limits = limits
        self.echoes = ProbeEchoes(bus: bus, hop: .evaluated, logger: logger)
        self.droppedValues = DroppedValueReporter(
            counter: "fleetwatch_alert_dropped_values_total", stage: "alert", logger: logger)
    }

    /// Consumes every partition until cancelled, sharing them with the other replicas (`PartitionBalancer`, as
    /// `instance`); also evaluates no-data rules every `tick`.
    /// `silentAfter`: how long a machine may stay silent before its open threshold alerts end ("machine silent").
    public func run(
        partitions: Int, instance: String, tick: Duration = .seconds(5), silentAfter: Duration = .seconds(120)
    ) async throws {
        let slots = (0..<max(1, partitions)).map(PartitionSlot.init(index:))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slot in slots {
                group.addTask { try await self.follow(slot) }
            }
            group.addTask {
                await PartitionBalancer(
                    bus: self.bus, instance: instance, slots: slots, logger: self.logger, now: self.now,
                    retryPolicy: self.retry
                ).run()
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: tick)
                    let nowMs = self.now()
                    let active = self.rules.active
                    let transitions = self.engine.withLock { engine in
                        engine.dropRules(notIn: active)
                        return engine.endSilent(notSeenSince: nowMs - silentAfter.wholeMilliseconds, nowMs: nowMs, rules: active)
                            + engine.evaluateSilence(nowMs: nowMs, rules: active)
                    }
                    guard await self.retrying("writing no-data alerts", queue: "no-data", { try await self.deliver(transitions) })
                    else { return }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Forgets a machine an operator retired: the config service ended its open alerts in history; if it reports
    /// again, it starts afresh.
    @Sendable public func forget(retired: Fleetwatch_V1_MachineRetired) {
        engine.withLock { $0.forget(machines: [retired.machineID]) }
    }

    /// Subscribes to one partition and consumes it; after a hand-over, forgets its machines and subscribes again
    /// (at the back of the line). A subscription that cannot be made (the broker is away) is retried with backoff.
    private func follow(_ slot: PartitionSlot) async throws {
        while !Task.isCancelled {
            var subscription: (any MessageConsumer)?
            guard await retrying("subscribing to an alert partition", queue: slot.queue, meanwhile: "retrying", {
                subscription = try await bus.consume(queue: slot.queue, prefetch: 64)
            }), let consumer = subscription else { return }
            slot.subscribed(consumer)
            logger.info("evaluating alerts", metadata: ["queue": "\(slot.queue)"])
            do {
                try await consume(consumer, slot: slot)
            } catch {
                await consumer.close()
                throw error
            }
            await consumer.close()
            let (handedOver, machines) = slot.ended()
            guard handedOver else { return }
            engine.withLock { $0.forget(machines: machines) }
            logger.info(
                "partition handed over to the replica in line", metadata: ["queue": "\(slot.queue)", "machines": "\(machines.count)"])
        }
    }

    private func consume(_ consumer: any MessageConsumer, slot: PartitionSlot) async throws {
        let queue = slot.queue
        var epoch: UInt64?
        while !Task.isCancelled {
            let deliveries: [Delivery]
            do {
                deliveries = try await consumer.nextBatch(max: 64, window: .milliseconds(5))
            } catch is CancellationError {
                return
            }
            guard let first = deliveries.first else { return }
            // A reconnect rejoined the back of the line: another replica may have had the partition meanwhile, so
            // what this one remembers of its machines is stale; read their open alerts from history again.
            if let epoch, epoch != first.epoch {
                let stale = slot.takeMachines()
                engine.withLock { $0.forget(machines: stale) }
            }
            epoch = first.epoch
            let tracedFrom = DefaultTracerClock.now
            let nowMs = now()
            var batches: [Fleetwatch_V1_MetricBatch] = []
            var good: [Delivery] = []
            for delivery in deliveries {
                do {
                    // A bundle of the machines of one slot (all on this partition), or one batch from before bundles.
                    for var batch in try DeliveryBatches.metric(delivery) {
                        droppedValues.report(
                            batch.removeUnusableValues(), machine: batch.machine.machineID, sequence: batch.sequence)
                        guard refusals.accepts(batch, limits: limits, nowMs: nowMs) else { continue }
                        batches.append(batch)
                    }
                    good.append(delivery)
                } catch {
                    try? await consumer.deadLetter(delivery, reason: error.reason)
                }
            }
            slot.startedBatch(machines: batches.map(\.machine.machineID), atMs: now())
            // A failing database or broker holds the deliveries and retries in place: requeueing would count toward
            // the delivery limit and dead-letter good data during an outage, and the engine, once it has seen the
            // batches, could not compute the same transitions again. Only shutdown hands them back to the queue
            // (a hand-over waits for the batch to be settled).
            guard await retrying("reading open alerts from history", queue: queue, { try await self.restore(for: batches) }) else {
                try? await consumer.requeue(good)
                return
            }
            let active = rules.active
            // A rule deleted or disabled since the last round leaves nothing behind, so one enabled again starts afresh.
            let transitions = engine.withLock { engine in
                engine.dropRules(notIn: active)
                return batches.flatMap { engine.evaluate($0, rules: active) }
            }
            evaluated.increment(by: batches.count)
            guard await retrying("writing alert history and events", queue: queue, { try await self.deliver(transitions) }) else {
                try? await consumer.requeue(good)
                return
            }
            do {
                try await consumer.ack(good)
            } catch {
                // Recorded but not acked: a redelivery evaluates again and writes nothing new (keyed transitions).
                logger.warning("ack failed after evaluation; expect a harmless redelivery", metadata: ["error": "\(error)"])
            }
            await echoes.publish(for: batches, at: now())
            BatchSpans.record("evaluate batch", batches, from: tracedFrom, logger: logger, message: "batch evaluated")
            // A hand-over waited for this batch: end the subscription now that nothing of it is unacked.
            if slot.finishedBatch() { return }
        }
    }

    /// Runs `operation` until it succeeds, with backoff between attempts, logging `<what> failed; <meanwhile>`;
    /// false when the task is cancelled first.
    private func retrying(
        _ what: String, queue: String, meanwhile: String = "holding the deliveries and retrying",
        _ operation: () async throws -> Void
    ) async -> Bool {
        var failed = 0
        let done: Void? = await retry.run(operation, onFailure: { error, failures, delay in
            failed = failures
            logger.warning(
                "\(what) failed; \(meanwhile)",
                metadata: ["error": "\(error)", "queue": "\(queue)", "attempt": "\(failures)", "retry_in": "\(delay)"])
        })
        guard done != nil else { return false }
        if failed > 0 { logger.notice("\(what): recovered", metadata: ["queue": "\(queue)", "attempts": "\(failed + 1)"]) }
        return true
    }

    /// Seeds the engine with the open alerts of machines it meets for the first time (a partition that moved here).
    private func restore(for batches: [Fleetwatch_V1_MetricBatch]) async throws {
        for machine in Set(batches.map(\.machine.machineID)) where engine.withLock({ $0.needsRestore(machine) }) {
            let open = try await store.alerts(
                .with {
                    $0.machineID = machine
                    $0.statuses = [.pending, .firing]
                    $0.limit = 1000
                })
            engine.withLock { $0.restore(machine, openAlerts: open) }
        }
    }

    /// History first (the durable effect), then the events for dashboards and notifications.
    private func deliver(_ transitions: [Fleetwatch_V1_AlertTransition]) async throws {
        guard !transitions.isEmpty else { return }
        try await store.record(transitions)
        try await bus.publish(try transitions.map(FleetEvents.alert))
        transitionsCounter.increment(by: transitions.count)
        for transition in transitions where transition.to == .firing || transition.to == .resolved {
            logger.notice("alert \(RuleMapping.statusName(transition.to))", metadata: AlertLog.metadata(transition))
        }
    }
}
