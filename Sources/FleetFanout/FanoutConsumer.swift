import FleetBus
import FleetCore
import FleetProto
import Logging
import Metrics

/// Feeds a `LiveHub` from this instance's own fanout queue (`Topology.fanout(instance:)`): fleet.metrics and
/// fleet.events, perishable. Deliveries are acked once applied; undecodable ones are dropped with a count and
/// a log line — a live view has no use for a retry, and the durable queues keep the history. Unusable values
/// (`SampleValue`) are removed from a batch before the hub sees it, counted and logged once per machine and series.
///
/// Anyone with broker access can publish on fleet.metrics, so every batch is checked with the edge's rules
/// (`Fleetwatch_V1_MetricBatch.validate`: machine id, identity bounds, timestamps within the window of this
/// consumer's clock) before the hub sees it; a refused batch is skipped, counted in
/// `fleetwatch_fanout_refused_batches_total` and logged once per machine and field. A year-3000 stamp would
/// otherwise show its machine online forever. The same holds for what it applies from fleet.events (alert
/// transitions, retirements, probe echoes): `LiveEventGate` checks each and skips what it refuses.
public struct FanoutConsumer: Sendable {
    public let queue: String
    private let bus: any MessageBus
    private let hub: LiveHub
    private let logger: Logger
    private let prefetch: Int
    private let onAvailability: @Sendable (Bool) -> Void
    private let onEvent: @Sendable (Delivery) -> Void
    private let received = Counter(label: "fleetwatch_fanout_messages_total")
    private let undecodable = Counter(label: "fleetwatch_fanout_undecodable_total")
    private let latency = Timer(label: "fleetwatch_fanout_receive_latency_seconds")
    private let droppedValues: DroppedValueReporter
    private let limits: BatchLimits
    private let refusals: RefusedBatchLog
    /// Checks and applies the fleet.events the live view follows.
    private let events: LiveEventGate
    /// How a lost subscription is retried.
    private let retry: RetryPolicy

    public init(
        bus: any MessageBus, instance: String, hub: LiveHub, prefetch: Int = 256, logger: Logger,
        limits: BatchLimits = .standard,
        onAvailability: @escaping @Sendable (Bool) -> Void = { _ in },
        onEvent: @escaping @Sendable (Delivery) -> Void = { _ in },
        retry: RetryPolicy = RetryPolicy(backoff: Backoff(cap: .seconds(5)))
    ) {
        self.retry = retry
        self.limits = limits
        self.refusals = RefusedBatchLog(counter: "fleetwatch_fanout_refused_batches_total", stage: "live view", logger: logger)
        self.events = LiveEventGate(hub: hub, limits: limits, logger: logger)
        self.onEvent = onEvent
        self.queue = FleetQueue.fanout(instance)
        self.bus = bus
        self.hub = hub
        self.prefetch = prefetch
        self.logger = logger
        self.onAvailability = onAvailability
        self.droppedValues = DroppedValueReporter(
            counter: "fleetwatch_fanout_dropped_values_total", stage: "fanout", logger: logger)
    }

    /// Consumes until the task is cancelled. The caller declares `Topology.fanout(instance:)` first. When the
    /// broker cancels the subscription (its queue vanished with a lost connection), subscribes again.
    public func run(now: @escaping @Sendable () -> Int64) async throws {
        await retry.keepRunning({ subscribed in
            let consumer = try await bus.consume(queue: queue, prefetch: prefetch)
            onAvailability(true)
            logger.info("following the live feed", metadata: ["queue": "\(queue)"])
            subscribed()
            try await consume(consumer, now: now)
            await consumer.close()
            return .again
        }, onFailure: { error, failures, _ in
            onAvailability(false)
            logger.warning(
                "live feed interrupted; subscribing again", metadata: ["error": "\(error)", "attempt": "\(failures)"])
        })
    }

    private func consume(_ consumer: any MessageConsumer, now: @Sendable () -> Int64) async throws {
        while !Task.isCancelled {
            let deliveries = try await consumer.nextBatch(max: prefetch, window: .milliseconds(2))
            if deliveries.isEmpty { throw BusError.closed }
            let nowMs = now()
            for delivery in deliveries {
                received.increment()
                guard delivery.exchange == FleetExchange.metrics else {
                    // fleet.events: alert transitions, retirements and probe echoes go to the live view once
                    // checked (a refused one is skipped); everything else to `onEvent`.
                    if events.apply(delivery, nowMs: nowMs) != .refused { onEvent(delivery) }
                    continue
                }
                do {
                    for var batch in try DeliveryBatches.metric(delivery) {
                        droppedValues.report(
                            batch.removeUnusableValues(), machine: batch.machine.machineID, sequence: batch.sequence)
                        guard refusals.accepts(batch, limits: limits, nowMs: nowMs) else { continue }
                        hub.apply(batch)
                        hub.recordProbeArrival(batch, atMs: nowMs)
                        if batch.timestampMs > 0, nowMs >= batch.timestampMs {
                            latency.recordMilliseconds(nowMs - batch.timestampMs)
                        }
                    }
                } catch {
                    undecodable.increment()
                    logger.warning(
                        "undecodable live message dropped",
                        metadata: ["routing_key": "\(delivery.routingKey)", "error": "\(error)"])
                }
            }
            try await consumer.ack(deliveries)
        }
    }

}
