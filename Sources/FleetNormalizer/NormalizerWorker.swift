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

    public init(
        bus: any MessageBus, normalizer: Normalizer = Normalizer(), prefetch: Int = 500, logger: Logger,
        now: @escaping @Sendable () -> Int64, onBrokerAvailability: @escaping @Sendable (Bool) -> Void = { _ in }
    ) {
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
        var receiveFailures = 0
        while !Task.isCancelled {
            let deliveries: [Delivery]
            do {
                deliveries = try await consumer.nextBatch(max: prefetch, window: .milliseconds(5))
                receiveFailures = 0
            } catch is CancellationError {
                break
            } catch BusError.closed {
                break
            } catch BusError.topology(let why) {
                // The broker cancelled the subscription (queue deleted): stop, so the process restarts.
                logger.error("the broker cancelled the subscription; stopping", metadata: ["reason": "\(why)"])
                break
            } catch {
                logger.warning("receiving from the bus failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(
                    for: Backoff(cap: .seconds(10)).delay(attempt: receiveFailures, unit: Double.random(in: 0.5..<1)))
                receiveFailures += 1
                continue
            }
            // An empty batch means the consumer was closed underneath us.
            if deliveries.isEmpty { break }
            await process(deliveries, consumer: consumer)
        }
        await consumer.close()
        logger.info("normalizer stopped")
    }

    /// Normalizes one batch of deliveries, publishes the results and acks. A failed publish is retried
    /// with backoff while holding the deliveries — requeueing would count toward the delivery limit and
    /// dead-letter good data during a broker hiccup; on shutdown the held deliveries are requeued.
    private func process(_ deliveries: [Delivery], consumer: any MessageConsumer) async {
        var outgoing: [OutgoingMessage] = []
        var good: [Delivery] = []
        var probes: [Fleetwatch_V1_MetricBatch] = []
        let nowMs = now()
        // One span per batch, continuing the edge's trace; it ends once the batch is published (or dead-lettered).
        var spans: [any Span] = []
        defer { for span in spans { span.end() } }
        for delivery in deliveries {
            metrics.consumed.increment()
            let span = startSpan("normalize batch", context: TraceHeaders.context(from: delivery.headers), ofKind: .consumer)
            spans.append(span)
            await ServiceContext.withValue(span.context) {
                switch normalize(delivery, nowMs: nowMs) {
                case .success(let normalized):
                    outgoing += normalized.messages
                    if let probe = normalized.probe { probes.append(probe) }
                    good.append(delivery)
                    logger.debug("batch normalized", metadata: ["routing_key": "\(delivery.routingKey)"])
                case .failure(let error):
                    span.setStatus(SpanStatus(code: .error, message: error.description))
                    metrics.deadLettered.increment()
                    logger.warning(
                        "poison message dead-lettered",
                        metadata: ["routing_key": "\(delivery.routingKey)", "reason": "\(error)"])
                    do {
                        try await consumer.deadLetter(delivery, reason: error.description)
                    } catch {
                        // Never dropped: back to the queue, and past the delivery limit the broker dead-letters it.
                        logger.error("dead-lettering failed; requeueing", metadata: ["error": "\(error)"])
                        try? await consumer.requeue([delivery])
                    }
                }
            }
        }
        guard !good.isEmpty else { return }
        var attempt = 0
        while true {
            do {
                try await bus.publish(outgoing)
                onBrokerAvailability(true)
                break
            } catch {
                metrics.publishFailures.increment()
                onBrokerAvailability(false)
                if Task.isCancelled {
                    try? await consumer.requeue(good)
                    return
                }
                logger.warning(
                    "publish to fleet.metrics failed; holding the batch and retrying",
                    metadata: ["error": "\(error)", "count": "\(good.count)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: Backoff(cap: .seconds(10)).delay(attempt: attempt, unit: Double.random(in: 0.5..<1)))
                attempt += 1
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

    /// What one raw batch became: the messages to publish, and the canonical batch when it came from a probe
    /// machine (its echo is published once the batch is acked).
    struct Normalized {
        var messages: [OutgoingMessage]
        var probe: Fleetwatch_V1_MetricBatch?
    }

    private func normalize(_ delivery: Delivery, nowMs: Int64) -> Result<Normalized, ValidationError> {
        if let type = delivery.type, !type.isEmpty, type != MessageType.rawBatch {
            return .failure(ValidationError("type", "expected \(MessageType.rawBatch), got '\(type)'"))
        }
        let raw: Fleetwatch_V1_RawBatch
        do {
            raw = try Fleetwatch_V1_RawBatch(serializedBytes: delivery.body)
        } catch {
            return .failure(
                ValidationError("body", "not a decodable \(MessageType.rawBatch) (\(delivery.body.count) bytes): \(error)"))
        }
        let receivedMs = delivery.headers[BusHeader.receivedAt].flatMap { Int64($0) } ?? nowMs
        let result: Normalizer.Result
        do {
            result = try normalizer.normalize(raw, receivedMs: receivedMs, nowMs: nowMs)
        } catch {
            return .failure(error)
        }
        if !result.unknownKeys.isEmpty {
            metrics.unknownReadings.increment(by: result.unknownKeys.count)
            logger.debug("readings without a canonical name", metadata: ["keys": "\(result.unknownKeys.prefix(10))"])
        }
        droppedValues.report(result.dropped, machine: result.batch.machine.machineID, sequence: result.batch.sequence)
        do {
            return .success(
                Normalized(
                    messages: try Self.messages(for: result.batch, headers: delivery.headers),
                    probe: Probe.isProbe(result.batch.machine) ? result.batch : nil))
        } catch {
            return .failure(ValidationError("batch", "cannot be encoded: \(error)"))
        }
    }

    /// The samples as one message and, when present, the process snapshot as its own (DESIGN.md).
    static func messages(for batch: Fleetwatch_V1_MetricBatch, headers: [String: String]) throws -> [OutgoingMessage] {
        let machine = batch.machine.machineID
        var passed = [BusHeader.receivedAt: String(batch.receivedMs)]
        // The normalizer's span (current while it normalizes) is the parent of what comes next.
        TraceHeaders.inject(ServiceContext.current ?? TraceHeaders.context(from: headers), into: &passed)
        var samples = batch
        samples.clearProcesses()
        var messages = [
            OutgoingMessage(
                exchange: FleetExchange.metrics, routingKey: RoutingKey.metrics(machine: machine, group: .samples),
                body: try samples.serializedBytes(), type: MessageType.metricBatch, headers: passed)
        ]
        if batch.hasProcesses {
            var processes = batch
            processes.samples = []
            messages.append(
                OutgoingMessage(
                    exchange: FleetExchange.metrics,
                    routingKey: RoutingKey.metrics(machine: machine, group: .processes),
                    body: try processes.serializedBytes(), type: MessageType.metricBatch, headers: passed))
        }
        return messages
    }
}

/// The normalizer's Prometheus series.
struct NormalizerMetrics: Sendable {
    let consumed = Counter(label: "fleetwatch_normalizer_messages_consumed_total")
    let published = Counter(label: "fleetwatch_normalizer_messages_published_total")
    let deadLettered = Counter(label: "fleetwatch_normalizer_dead_lettered_total")
    let publishFailures = Counter(label: "fleetwatch_normalizer_publish_failures_total")
    let unknownReadings = Counter(label: "fleetwatch_normalizer_unknown_readings_total")
    /// Readings and canonical values left out for not being usable (`SampleValue`); the rest of the batch goes on.
    static let droppedValues = "fleetwatch_normalizer_dropped_values_total"
}
