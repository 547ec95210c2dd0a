import FleetBus
import FleetCore
import FleetProto
import GRPCCore
import Logging
import Metrics
import Tracing

/// The edge: authenticates a collector's stream, validates each batch, publishes it to fleet.raw with
/// a publisher confirm and only then acks its sequence number back to the collector. Batches of all streams
/// travel together: the `BundlePublisher` puts what arrives during one confirm round trip in one message.
public struct IngestService: Fleetwatch_V1_Ingest.ServiceProtocol {
    private let publisher: BundlePublisher
    private let authenticator: TokenAuthenticator
    private let limits: BatchLimits
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private let metrics = IngestMetrics()
    /// The collectors connected to this edge, for operator commands.
    public let directory: CollectorDirectory
    /// Told whether the last publish reached the broker (feeds /readyz).
    private let onBrokerAvailability: @Sendable (Bool) -> Void
    /// The per-machine series limit (`limits.maxSeriesPerMachine`) as this edge sees each machine.
    private let series: SeriesLimiter
    /// Per-machine credentials (nil: only the shared token, any machine id).
    private let credentials: MachineCredentialGate?

    /// - Parameters:
    ///   - now: the edge's clock in milliseconds since 1970 (injected for tests).
    ///   - credentials: admits streams and batches by machine credential; without it the shared token admits all.
    public init(
        publisher: BundlePublisher, authenticator: TokenAuthenticator, limits: BatchLimits = .standard,
        logger: Logger, now: @escaping @Sendable () -> Int64,
        onBrokerAvailability: @escaping @Sendable (Bool) -> Void = { _ in },
        credentials: MachineCredentialGate? = nil
    ) {
        self.credentials = credentials
        self.onBrokerAvailability = onBrokerAvailability
        self.publisher = publisher
        self.authenticator = authenticator
        self.limits = limits
        self.logger = logger
        self.now = now
        self.directory = CollectorDirectory()
        self.series = SeriesLimiter(
            limit: limits.maxSeriesPerMachine, counter: "fleetwatch_ingest_refused_series_total", stage: "ingest",
            logger: logger)
    }

    public func publish(
        request: StreamingServerRequest<Fleetwatch_V1_RawBatch>, context: ServerContext
    ) async throws -> StreamingServerResponse<Fleetwatch_V1_PublishResponse> {
        let authorization = request.metadata[stringValues: "authorization"].first { _ in true }
        let identity: PublisherIdentity
        if let credentials {
            do {
                identity = try await credentials.admit(authorization: authorization)
            } catch {
                metrics.authFailures.increment()
                throw error
            }
        } else {
            guard authenticator.accepts(authorization: authorization) else {
                metrics.authFailures.increment()
                logger.warning("collector refused: bad or missing token", metadata: ["peer": "\(context.remotePeer)"])
                throw RPCError(
                    code: .unauthenticated, message: "missing or unknown collector token (metadata 'authorization: Bearer <token>')")
            }
            identity = .sharedToken
        }
        return StreamingServerResponse { writer in
            metrics.openStreams.increment()
            defer { metrics.openStreams.decrement() }
            // Acks and operator commands share the response stream: one task writes, in order.
            let (outbox, responses) = AsyncStream.makeStream(of: Fleetwatch_V1_PublishResponse.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await response in outbox { try await writer.write(response) }
                }
                var registration: (machine: String, id: UInt64)?
                // Runs before the group awaits its children: ends the writer and the command relay.
                defer {
                    if let registration { directory.unregister(machine: registration.machine, id: registration.id) }
                    responses.finish()
                }
                // The stream's own trace context (gRPC metadata), the parent of batches that carry none.
                let stream = TraceHeaders.context(traceParent: request.metadata[stringValues: TraceParent.header].first { _ in true } ?? "")
                for try await batch in request.messages {
                    do {
                        try await credentials?.checkBatch(machineID: batch.machineID, from: identity)
                    } catch {
                        metrics.authFailures.increment()
                        throw error
                    }
                    let parent = TraceParent.isValid(batch.traceParent) ? TraceHeaders.context(traceParent: batch.traceParent) : stream
                    try await withSpan("ingest batch", context: parent, ofKind: .server) { span in
                        span.attributes["fleetwatch.machine_id"] = batch.machineID
                        span.attributes["fleetwatch.sequence"] = Int64(truncatingIfNeeded: batch.sequence)
                        try await accept(batch, responses: responses)
                    }
                    if registration == nil {
                        let (id, commands) = directory.register(machine: batch.machineID)
                        registration = (batch.machineID, id)
                        group.addTask {
                            for await command in commands {
                                var response = Fleetwatch_V1_PublishResponse()
                                response.command = command
                                responses.yield(response)
                            }
                        }
                    }
                }
            }
            return [:]
        }
    }

    private func accept(
        _ batch: Fleetwatch_V1_RawBatch, responses: AsyncStream<Fleetwatch_V1_PublishResponse>.Continuation
    ) async throws {
        let receivedMs = now()
        do {
            try batch.validate(limits: limits, nowMs: receivedMs)
        } catch {
            metrics.rejected.increment()
            logger.warning(
                "batch refused",
                metadata: ["machine": "\(batch.machineID.prefix(128))", "sequence": "\(batch.sequence)", "error": "\(error)"])
            throw RPCError(code: .invalidArgument, message: "batch \(batch.sequence): \(error)")
        }
        // The edge stamps what the next hops need into the batch itself: it travels in a bundle of many.
        var stamped = batch
        stamped.receivedMs = receivedMs
        // New series past the machine's limit are refused; the rest of the batch goes on, and the ack and the
        // batch itself (for the dashboard) say how many were refused.
        let refused = series.apply(&stamped, atMs: receivedMs)
        stamped.refusedSeries = UInt32(refused)
        let edgeSpan = TraceHeaders.traceParent(of: ServiceContext.current ?? .topLevel)
        if !edgeSpan.isEmpty { stamped.traceParent = edgeSpan }
        let encoded: [UInt8] = try stamped.serializedBytes()
        let started = ContinuousClock.now
        do {
            try await publisher.publish(encoded, decoded: stamped)
        } catch {
            onBrokerAvailability(false)
            metrics.publishFailures.increment()
            logger.warning("publish failed; collector will retry", metadata: ["error": "\(error)"])
            throw RPCError(code: .unavailable, message: "broker unavailable, retry later: \(error)")
        }
        onBrokerAvailability(true)
        logger.debug("batch published", metadata: ["machine": "\(batch.machineID)", "sequence": "\(batch.sequence)"])
        metrics.publishLatency.recordInterval(since: started)
        metrics.accepted.increment()
        metrics.readings.increment(by: stamped.readings.count)
        var ack = Fleetwatch_V1_Ack()
        ack.machineID = batch.machineID
        ack.sequence = batch.sequence
        if refused > 0 {
            ack.refusedSeries = UInt32(refused)
            ack.seriesLimit = UInt32(clamping: limits.maxSeriesPerMachine)
        }
        var response = Fleetwatch_V1_PublishResponse()
        response.ack = ack
        responses.yield(response)
    }
}

/// The edge's Prometheus series.
struct IngestMetrics: Sendable {
    let accepted = Counter(label: "fleetwatch_ingest_batches_total", dimensions: [("result", "accepted")])
    let rejected = Counter(label: "fleetwatch_ingest_batches_total", dimensions: [("result", "invalid")])
    let publishFailures = Counter(label: "fleetwatch_ingest_batches_total", dimensions: [("result", "unavailable")])
    let authFailures = Counter(label: "fleetwatch_ingest_auth_failures_total")
    let readings = Counter(label: "fleetwatch_ingest_readings_total")
    let openStreams = Meter(label: "fleetwatch_ingest_open_streams")
    let publishLatency = Metrics.Timer(label: "fleetwatch_ingest_publish_seconds")
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
