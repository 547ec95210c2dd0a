import FleetBus
import FleetCore
import FleetProto
import Logging
import Metrics
import Tracing

/// The normalizer consumer: fleet.normalize → canonical `MetricBatch` → fleet.metrics. A delivery is
/// acked only after everything it produced was confirmed by the broker; poison goes to the DLQ.
public struct NormalizerWorker: Sendable {
    private let bus: any MessageBus
    private let normalizer: Normalizer
    private let prefetch: Int
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let metrics = NormalizerMetrics()
    /// Told whether publishing to fleet.metrics works (feeds /readyz).
    private let onBrokerAvailability: @Sendable (Bool) -> Void
    private let echoes: ProbeEchoes
    private let droppedValues: DroppedValueReporter
    private let retry: RetryPolicy

    public init(
        bus: any MessageBus, normalizer: Normalizer = Normalizer(), prefetch: Int = 64, logger: Logger,
        now: @escaping @Sendable () -> Int64, onBrokerAvailability: @escaping @Sendable (Bool) -> Void = { _ in },
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.retry = retry
        self.onBrokerAvailability = onBrokerAvailability
        self.bus = bus
        self.normalizer = normalizer
        self.prefetch = prefetch
        self.logger = logger
        self.now = now
        self.echoes = ProbeEchoes(bus: bus, hop: .normalized, logger: logger)
        self.droppedValues = DroppedValueReporter(
            counter: NormalizerMetrics.droppedValues, stage: "normalize", logger: logger)
    }

    /// Consumes until the task is cancelled, then settles the batch in flight and returns. The caller
    /// declares the topology (`Topology.normalize + .persist`) first.
    public func run(onReady: @Sendable () -> Void = {}) async throws {
        let consumer = try await bus.consume(queue: FleetQueue.normalize, prefetch: prefetch)
        onReady()
        logger.info("normalizer consuming", metadata: ["queue": "\(FleetQueue.normalize)", "prefetch": "\(prefetch)"])
        await retry.keepRunning({
            let deliveries: [Delivery]
            do {
                deliveries = try await consumer.nextBatch(max: prefetch, window: .milliseconds(5))
            } catch BusError.closed {
                return .stop
            } catch BusError.topology(let why) {
                // The broker cancelled the subscription (queue deleted): stop, so the process restarts.
                logger.error("the broker cancelled the subscription; stopping", metadata: ["reason": "\(why)"])
                return .stop
            }
            // An empty batch means the consumer was closed underneath us.
            if deliveries.isEmpty { return .stop }
            await process(deliveries, consumer: consumer)
            return .again
        }, onFailure: { error, _, delay in
            logger.warning(
                "receiving from the bus failed; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
        })
        await consumer.close()
        logger.info("normalizer stopped")
    }

    /// Normalizes one round of deliveries, publishes the results and acks. A failed publish is retried
    /// with backoff while holding the deliveries — requeueing would count toward the delivery limit and
    /// dead-letter good data during a broker hiccup; on shutdown the held deliveries are requeued.
    ///
    /// A delivery is a bundle of many machines' batches (or, from before bundles, one batch). A batch that
    /// cannot be normalized goes to the dead-letter queue on its own and the rest of its bundle goes on.
    private func process(_ deliveries: [Delivery], consumer: any MessageConsumer) async {
        var output = MetricBundles()
        var good: [Delivery] = []
        var probes: [Fleetwatch_V1_MetricBatch] = []
        let nowMs = now()
        for delivery in deliveries {
            metrics.consumed.increment()
            let batches: [Fleetwatch_V1_RawBatch]
            do {
                batches = try DeliveryBatches.raw(delivery)
            } catch {
                await deadLetter(delivery, reason: error, consumer: consumer)
                continue
            }
            var settled = true
            for raw in batches {
                metrics.batches.increment()
                // One span per batch, continuing the edge's trace; what it publishes carries this span's context.
                let span = startSpan("normalize batch", context: TraceHeaders.context(traceParent: raw.traceParent), ofKind: .consumer)
                defer { span.end() }
                switch normalize(raw, nowMs: nowMs, context: span.context) {
                case .success(let batch):
                    do {
                        try output.add(batch)
                    } catch {
                        settled = await reject(raw, of: delivery, alone: batches.count == 1, consumer: consumer,
                            reason: ValidationError("batch", "cannot be encoded: \(error)"), span: span)
                        continue
                    }
                    if Probe.isProbe(batch.machine) { probes.append(batch) }
                    ServiceContext.withValue(span.context) {
                        logger.debug("batch normalized", metadata: ["machine": "\(raw.machineID)", "sequence": "\(raw.sequence)"])
                    }
                case .failure(let error):
                    settled = await reject(raw, of: delivery, alone: batches.count == 1, consumer: consumer, reason: error, span: span)
                }
                if !settled { break }
            }
            if settled { good.append(delivery) }
        }
        guard !good.isEmpty else { return }
        let outgoing = output.messages
        if !outgoing.isEmpty {
            let published: Void? = await retry.run({
                try await bus.publish(outgoing)
                onBrokerAvailability(true)
            }, onFailure: { error, failures, delay in
                metrics.publishFailures.increment()
                onBrokerAvailability(false)
                logger.warning(
                    "publish to fleet.metrics failed; holding the batch and retrying",
                    metadata: [
                        "error": "\(error)", "count": "\(good.count)", "attempt": "\(failures)", "retry_in": "\(delay)",
                    ])
            })
            // Stopped while retrying: the held deliveries go back to the queue.
            guard published != nil else {
                try? await consumer.requeue(good)
                return
            }
        }
        metrics.published.increment(by: outgoing.count)
        do {
            try await consumer.ack(good)
        } catch {
            // Published but not acked: the broker redelivers and the persister skips the duplicates.
            logger.warning("ack failed after publish; expect a harmless redelivery", metadata: ["error": "\(error)"])
        }
        await echoes.publish(for: probes, at: now())
    }

    /// Dead-letters a whole delivery that holds nothing usable (undecodable, wrong type).
    private func deadLetter(_ delivery: Delivery, reason: ValidationError, consumer: any MessageConsumer) async {
        metrics.deadLettered.increment()
        logger.warning(
            "poison message dead-lettered", metadata: ["routing_key": "\(delivery.routingKey)", "reason": "\(reason)"])
        do {
            try await consumer.deadLetter(delivery, reason: reason.description)
        } catch {
            // Never dropped: back to the queue, and past the delivery limit the broker dead-letters it.
            logger.error("dead-lettering failed; requeueing", metadata: ["error": "\(error)"])
            try? await consumer.requeue([delivery])
        }
    }

    /// Dead-letters one batch that cannot be normalized: the delivery itself when the batch is all it holds,
    /// otherwise a message of its own, and the rest of the bundle goes on. False when the delivery must not be
    /// acked (the dead-letter publish failed: the delivery went back to the queue, never dropped).
    private func reject(
        _ raw: Fleetwatch_V1_RawBatch, of delivery: Delivery, alone: Bool, consumer: any MessageConsumer,
        reason: ValidationError, span: any Span
    ) async -> Bool {
        span.setStatus(SpanStatus(code: .error, message: reason.description))
        metrics.deadLettered.increment()
        logger.warning(
            "poison batch dead-lettered",
            metadata: [
                "machine": "\(raw.machineID.prefix(128))", "sequence": "\(raw.sequence)",
                "routing_key": "\(delivery.routingKey)", "reason": "\(reason)",
            ])
        do {
            if alone {
                try await consumer.deadLetter(delivery, reason: reason.description)
            } else {
                try await consumer.deadLetter(
                    part: try raw.serializedBytes(), type: MessageType.rawBatch, of: delivery, reason: reason.description)
                return true
            }
        } catch {
            logger.error("dead-lettering failed; requeueing", metadata: ["error": "\(error)"])
            try? await consumer.requeue([delivery])
        }
        return false
    }

    /// Normalizes one raw batch; the canonical batch carries `context` (this hop's span) for the next hop.
    private func normalize(
        _ raw: Fleetwatch_V1_RawBatch, nowMs: Int64, context: ServiceContext
    ) -> Result<Fleetwatch_V1_MetricBatch, ValidationError> {
        let result: Normalizer.Result
        do {
            result = try normalizer.normalize(raw, receivedMs: raw.receivedMs > 0 ? raw.receivedMs : nowMs, nowMs: nowMs)
        } catch {
            return .failure(error)
        }
        if !result.unknownKeys.isEmpty {
            metrics.unknownReadings.increment(by: result.unknownKeys.count)
            logger.debug("readings without a canonical name", metadata: ["keys": "\(result.unknownKeys.prefix(10))"])
        }
        droppedValues.report(result.dropped, machine: result.batch.machine.machineID, sequence: result.batch.sequence)
        var batch = result.batch
        let hop = TraceHeaders.traceParent(of: context)
        batch.traceParent = hop.isEmpty ? raw.traceParent : hop
        return .success(batch)
    }
}

/// The normalizer's Prometheus series.
struct NormalizerMetrics: Sendable {
    let consumed = Counter(label: "fleetwatch_normalizer_messages_consumed_total")
    let published = Counter(label: "fleetwatch_normalizer_messages_published_total")
    let deadLettered = Counter(label: "fleetwatch_normalizer_dead_lettered_total")
    let publishFailures = Counter(label: "fleetwatch_normalizer_publish_failures_total")
    let unknownReadings = Counter(label: "fleetwatch_normalizer_unknown_readings_total")
    /// Collector batches taken from the consumed messages (a message is a bundle of many).
    let batches = Counter(label: "fleetwatch_normalizer_batches_total")
    /// Readings and canonical values left out for not being usable (`SampleValue`); the rest of the batch goes on.
    static let droppedValues = "fleetwatch_normalizer_dropped_values_total"
}
