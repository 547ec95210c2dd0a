import FleetCore
import FleetProto
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import Logging
import Synchronization

/// Drains the outbox to the ingest edge over one long-lived `Ingest.Publish` stream.
///
/// Sends every pending batch in sequence order (at most `maxInFlight` unacked at a time), forgets a
/// batch when its ack arrives, and applies commands from the edge. When the stream fails it reconnects
/// with exponential backoff and full jitter behind a circuit breaker, then resends everything still
/// unacked, oldest first. Backoff and breaker follow the batches, not the stream (`DeliveryRetry`): only an
/// ack resets them, so an edge that accepts the stream but answers UNAVAILABLE (its broker is down), closes it,
/// or leaves a batch unacked for `ackTimeout` is backed off from like one that refuses connections. A batch
/// the edge rejects as invalid or too large ("batch <seq>: …") is dropped and counted so one bad batch cannot
/// wedge the agent.
public final class IngestUploader: Sendable {
    /// Tuning for the uploader; the defaults suit production.
    public struct Options: Sendable {
        /// Batches sent but not yet acked, at most.
        public var maxInFlight: Int
        public var backoff: Backoff
        public var breaker: CircuitBreaker
        /// A random value in [0, 1) for the backoff jitter.
        public var random: @Sendable () -> Double
        /// How long a sent batch may wait for its ack before the stream is given up as failed and its
        /// batches are resent on a new one.
        public var ackTimeout: Duration

        public init(
            maxInFlight: Int = 1, backoff: Backoff = Backoff(), breaker: CircuitBreaker = CircuitBreaker(),
            random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
            ackTimeout: Duration = .seconds(60)
        ) {
            self.maxInFlight = max(1, maxInFlight)
            self.backoff = backoff
            self.breaker = breaker
            self.random = random
            self.ackTimeout = max(.milliseconds(1), ackTimeout)
        }
    }

    private struct Link {
        var retry: DeliveryRetry
        var inFlight: Set<UInt64> = []
        var wakeup: AsyncStream<Void>.Continuation?
        /// Whether an attempt failed since the last ack (the next stream is a reconnection).
        var hadFailure = false
        /// Since when the edge owes this stream an ack: set when a batch is sent with none in flight, moved on by
        /// every ack that leaves others in flight, cleared when none are.
        var awaitingAckSince: ContinuousClock.Instant?
    }

    private enum Outcome: Sendable {
        case cancelled
        case rejected(UInt64, String)
        case failed(String, unauthenticated: Bool)
    }

    public let endpoint: IngestEndpoint
    /// Set by `enrollment` at the start of `run()` when the machine has no credential yet.
    private let token: Mutex<String?>
    private let enrollment: MachineEnrollment?
    private let buffer: BatchBuffer
    private let control: CollectorControl
    private let counters: CollectorCounters
    private let options: Options
    private let logger: Logger
    private let link: Mutex<Link>

    public init(
        endpoint: IngestEndpoint, token: String?, buffer: BatchBuffer, control: CollectorControl,
        counters: CollectorCounters = CollectorCounters(), options: Options = Options(),
        logger: Logger = Logger(label: "fleetwatch.collector.uploader"), enrollment: MachineEnrollment? = nil
    ) {
        self.endpoint = endpoint
        self.token = Mutex(token)
        self.enrollment = enrollment
        self.buffer = buffer
        self.control = control
        self.counters = counters
        self.options = options
        self.logger = logger
        self.link = Mutex(Link(retry: DeliveryRetry(backoff: options.backoff, breaker: options.breaker)))
    }

    /// Tells the uploader a batch was appended to the outbox (wakes the sender).
    public func batchAppended() {
        _ = link.withLock { $0.wakeup?.yield() }
    }

    /// Batches sent on the current stream and not yet acked.
    public var inFlightCount: Int { link.withLock { $0.inFlight.count } }

    /// The backoff and breaker state now (for tests and diagnostics).
    var deliveryRetry: DeliveryRetry { link.withLock { $0.retry } }

    /// Runs until the task is cancelled. Throws only if the transport cannot be created at all.
    public func run() async throws {
        let transport = try endpoint.makeTransport()
        try await withGRPCClient(transport: transport) { client in
            if let enrollment {
                guard let credential = await enrollment.enroll(with: client, logger: logger) else { return }
                token.withLock { $0 = credential }
            }
            await self.publishUntilCancelled(client)
        }
    }

    private func publishUntilCancelled(_ ingest: GRPCClient<HTTP2ClientTransport.Posix>) async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            if let openUntil = link.withLock({ $0.retry.blockedUntil(now: now) }) {
                try? await Task.sleep(until: openUntil, clock: .continuous)
                continue
            }
            switch await publishOnce(ingest) {
            case .cancelled:
                return
            case .rejected(let sequence, let reason):
                // Progress is guaranteed (the batch is gone), so reconnect at once rather than back off.
                if buffer.reject(sequence) {
                    logger.error(
                        "edge rejected a batch as invalid; dropped it",
                        metadata: ["sequence": "\(sequence)", "reason": "\(reason)"])
                } else {
                    logger.error(
                        "edge rejected a batch that is no longer buffered",
                        metadata: ["sequence": "\(sequence)", "reason": "\(reason)"])
                }
            case .failed(let reason, let unauthenticated):
                let (delay, failures) = link.withLock { link in
                    link.hadFailure = true
                    let delay = link.retry.recordFailure(now: .now, unit: options.random())
                    return (delay, link.retry.consecutiveFailures)
                }
                if unauthenticated {
                    logger.error(
                        "edge refused the collector token (UNAUTHENTICATED): check FLEETWATCH_TOKEN; retrying",
                        metadata: [
                            "endpoint": "\(endpoint.host):\(endpoint.port)", "retry_in": "\(delay)", "error": "\(reason)",
                        ])
                } else {
                    logger.warning(
                        "publish stream failed; batches stay buffered and will be resent",
                        metadata: [
                            "endpoint": "\(endpoint.host):\(endpoint.port)",
                            "error": "\(endpoint.explainingTLS(reason))",
                            "retry_in": "\(delay)", "buffered": "\(buffer.depth)", "failures": "\(failures)",
                        ])
                }
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// One Publish stream, until it ends, fails, or leaves a batch unacked for `ackTimeout`.
    private func publishOnce(_ ingest: GRPCClient<HTTP2ClientTransport.Posix>) async -> Outcome {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let reconnecting = link.withLock { link in
            link.inFlight.removeAll()
            link.awaitingAckSince = nil
            link.wakeup = continuation
            return link.hadFailure
        }
        if reconnecting { counters.update { $0.reconnects += 1 } }
        continuation.yield()
        defer {
            link.withLock { $0.wakeup = nil }
            continuation.finish()
            counters.update { $0.connected = false }
        }
        return await withTaskGroup(of: Outcome.self) { group in
            group.addTask { await self.stream(ingest, signals: signals) }
            group.addTask { await self.watchAcks() }
            // Whichever ends first decides; the other is cancelled (a stalled stream is abandoned).
            let outcome = await group.next() ?? .cancelled
            group.cancelAll()
            return outcome
        }
    }

    private func stream(
        _ ingest: GRPCClient<HTTP2ClientTransport.Posix>, signals: AsyncStream<Void>
    ) async -> Outcome {
        var metadata: Metadata = [:]
        if let token = token.withLock({ $0 }) { metadata.addString("Bearer \(token)", forKey: "authorization") }
        // The stream's trace context; each batch also carries its own (`trace_parent`).
        metadata.addString(TraceParent.random(), forKey: TraceParent.header)
        var callOptions = CallOptions.defaults
        callOptions.waitForReady = false
        do {
            // `Ingest.Publish`, with the outbox's stored bytes as the requests (`OutboxBatchSerializer`).
            try await ingest.bidirectionalStreaming(
                request: StreamingClientRequest<OutboxBatch>(metadata: metadata) { writer in
                    try await self.sendPending(to: writer, signals: signals)
                },
                descriptor: Fleetwatch_V1_Ingest.Method.Publish.descriptor,
                serializer: OutboxBatchSerializer(),
                deserializer: ProtobufDeserializer<Fleetwatch_V1_PublishResponse>(),
                options: callOptions,
                onResponse: { response in
                    // An open stream is not yet a working path (the edge answers UNAVAILABLE per batch when its
                    // broker is down): only acks reset the backoff and the breaker (`handle`).
                    if case .success = response.accepted { self.counters.update { $0.connected = true } }
                    for try await message in response.messages {
                        self.handle(message)
                    }
                })
            if Task.isCancelled { return .cancelled }
            return .failed("edge closed the stream", unauthenticated: false)
        } catch let error as RPCError {
            if Task.isCancelled { return .cancelled }
            if let sequence = BatchRejection.rejectedSequence(in: error) {
                return .rejected(sequence, error.message)
            }
            return .failed("\(error)", unauthenticated: error.code == .unauthenticated)
        } catch {
            if Task.isCancelled { return .cancelled }
            return .failed("\(error)", unauthenticated: false)
        }
    }

    /// Ends the attempt as failed once a sent batch has waited `ackTimeout` for its ack; runs until cancelled.
    private func watchAcks() async -> Outcome {
        let timeout = options.ackTimeout
        while true {
            let since = link.withLock { $0.awaitingAckSince }
            do {
                try await Task.sleep(until: (since ?? .now) + timeout, clock: .continuous)
            } catch {
                return .cancelled
            }
            let stalled = link.withLock { link in
                guard let since = link.awaitingAckSince else { return false }
                return ContinuousClock.now - since >= timeout
            }
            if stalled {
                return .failed("no ack within \(timeout); abandoning the stream", unauthenticated: false)
            }
        }
    }

    private func sendPending(to writer: RPCWriter<OutboxBatch>, signals: AsyncStream<Void>) async throws {
        var cursor: UInt64 = 0
        for await _ in signals {
            while !Task.isCancelled {
                let window = options.maxInFlight - link.withLock { $0.inFlight.count }
                guard window > 0 else { break }
                let batches = buffer.pending(after: cursor, limit: window)
                guard !batches.isEmpty else { break }
                for batch in batches {
                    link.withLock { link in
                        if link.inFlight.isEmpty { link.awaitingAckSince = .now }
                        link.inFlight.insert(batch.sequence)
                    }
                    try await writer.write(batch)
                    cursor = batch.sequence
                    counters.update { $0.batchesSent += 1 }
                }
            }
        }
    }

    /// The edge acked a batch: the whole path (edge and broker) works, so reset the backoff and the breaker.
    private func acknowledged(_ sequence: UInt64) {
        let resumed = link.withLock { link in
            link.retry.recordDelivery()
            link.inFlight.remove(sequence)
            link.awaitingAckSince = link.inFlight.isEmpty ? nil : .now
            link.wakeup?.yield()
            defer { link.hadFailure = false }
            return link.hadFailure
        }
        counters.update { $0.connected = true }
        if resumed {
            logger.info("edge acks again; resending unacked batches", metadata: ["buffered": "\(buffer.depth)"])
        }
    }

    /// The edge took the batch but refused some of its readings: new series past the machine's series limit. Logged
    /// at the first refusal and whenever the count changes, not on every tick.
    private func reportRefusedSeries(_ ack: Fleetwatch_V1_Ack) {
        var changed = false
        counters.update {
            changed = $0.refusedSeries != Int(ack.refusedSeries)
            $0.refusedSeries = Int(ack.refusedSeries)
        }
        guard changed, ack.refusedSeries > 0 else { return }
        logger.warning(
            "the edge refused new series of this machine: it is at its series limit (the edge's FLEETWATCH_MAX_SERIES)",
            metadata: ["refused": "\(ack.refusedSeries)", "limit": "\(ack.seriesLimit)", "sequence": "\(ack.sequence)"])
    }

    private func handle(_ message: Fleetwatch_V1_PublishResponse) {
        switch message.kind {
        case .ack(let ack):
            let removed = buffer.ack(ack.sequence)
            acknowledged(ack.sequence)
            if removed { counters.update { $0.batchesAcked += 1 } }
            reportRefusedSeries(ack)
        case .command(let command):
            switch command.kind {
            case .setInterval(let setInterval):
                if control.setInterval(seconds: Int(setInterval.seconds)) {
                    logger.info("edge changed the tick interval", metadata: ["seconds": "\(setInterval.seconds)"])
                } else {
                    logger.warning(
                        "ignored set_interval outside 1...3600 s", metadata: ["seconds": "\(setInterval.seconds)"])
                }
            case .requestProcessSnapshot:
                control.requestProcessSnapshot()
                logger.debug("edge requested a process snapshot")
            case nil:
                logger.debug("ignored an empty command from the edge")
            }
        case nil:
            break
        }
    }
}
