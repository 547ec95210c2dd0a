import FleetProto
import Logging

/// The runnable collector: ticks on schedule, stores each batch in the durable outbox and lets the
/// `IngestUploader` drain it to the edge. `run()` returns when its task is cancelled; every batch is
/// on disk before it is sent, so a stop loses nothing that was collected.
public final class CollectorAgent<TickClock: Clock>: Sendable where TickClock.Duration == Duration {
    public let configuration: CollectorConfiguration
    public let identity: Fleetwatch_V1_MachineIdentity
    public let buffer: BatchBuffer
    public let control: CollectorControl
    public let uploader: IngestUploader
    private let counters: CollectorCounters
    private let clock: TickClock
    private let timeSource: @Sendable () -> TickTime
    private let logger: Logger

    /// Validates the configuration, builds the machine identity and opens the outbox (reloading
    /// unacked batches). Throws the configuration, machine id or outbox error with its fix in the message.
    public init(
        configuration: CollectorConfiguration, clock: TickClock,
        uploaderOptions: IngestUploader.Options? = nil,
        timeSource: @escaping @Sendable () -> TickTime = { TickTime.now() },
        logger: Logger = Logger(label: "fleetwatch.collector")
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.clock = clock
        self.timeSource = timeSource
        self.logger = logger
        identity = try MachineIdentityBuilder(
            machineIDOverride: configuration.machineIDOverride, labels: configuration.labels,
            agentVersion: configuration.agentVersion
        ).build(fileSystem: RootedProcFileSystem(root: configuration.hostRoot))
        buffer = try BatchBuffer(
            directory: configuration.dataDirectory + "/collector", maxBatches: configuration.maxBufferedBatches,
            maxBytes: configuration.maxBufferedBytes, durable: configuration.durableBuffer, logger: logger)
        control = CollectorControl(interval: configuration.interval)
        counters = CollectorCounters()
        // A machine credential, once obtained, replaces the shared token; without one, a join token obtains it.
        let credentialFile = CredentialFile(dataDirectory: configuration.dataDirectory)
        let credential = try credentialFile.read()
        uploader = IngestUploader(
            endpoint: try configuration.endpoint(), token: credential ?? configuration.token, buffer: buffer,
            control: control, counters: counters,
            options: uploaderOptions ?? IngestUploader.Options(maxInFlight: configuration.maxInFlight),
            logger: logger,
            enrollment: credential == nil
                ? configuration.joinToken.map { [identity] in MachineEnrollment(joinToken: $0, identity: identity, file: credentialFile) }
                : nil)
    }

    /// The counters now (collected, sent, acked, dropped, rejected, outbox depth, last tick CPU).
    public var statistics: CollectorStatistics { counters.snapshot(buffer: buffer) }

    /// Collects and uploads until the task is cancelled. With an `executor`, every task of the agent (ticks,
    /// uploader, drain) prefers it (the standalone agent passes `AgentFootprint.apply()`'s event loop).
    public func run(on executor: (any TaskExecutor)? = nil) async throws {
        try await withTaskExecutorPreference(executor) {
            try await runTasks(on: executor)
        }
    }

    private func runTasks(on executor: (any TaskExecutor)?) async throws {
        logger.info(
            "collector starting",
            metadata: [
                "machine_id": "\(identity.machineID)", "ingest": "\(configuration.ingestURL)",
                "interval": "\(control.interval)", "buffered": "\(buffer.depth)",
                "next_sequence": "\(buffer.nextSequence)",
            ])
        // Unstructured on purpose: a child task would be cancelled with `run()` and could not send
        // what is still buffered during the drain; it is cancelled explicitly once the drain is over.
        let upload = Task(executorPreference: executor) { try await self.uploader.run() }
        await tickUntilCancelled()
        await drain(timeout: configuration.drainTimeout, on: executor)
        upload.cancel()
        do {
            try await upload.value
        } catch {
            logger.error("the uploader failed", metadata: ["error": "\(error)"])
        }
        let stats = statistics
        logger.info(
            "collector stopped",
            metadata: [
                "collected": "\(stats.batchesCollected)", "acked": "\(stats.batchesAcked)",
                "pending": "\(stats.bufferDepth)", "dropped": "\(stats.batchesDropped)",
                "rejected": "\(stats.batchesRejected)", "next_sequence": "\(buffer.nextSequence)",
            ])
    }

    /// On shutdown, gives the uploader up to `timeout` to get what is buffered acked, so a clean stop
    /// leaves nothing behind; whatever is still unacked stays on disk and is resent at the next start.
    private func drain(timeout: Duration, on executor: (any TaskExecutor)?) async {
        guard buffer.depth > 0, timeout > .zero else { return }
        // The caller's task is cancelled by now; an unstructured task can still wait.
        await Task(executorPreference: executor) {
            let deadline = ContinuousClock.now + timeout
            while self.buffer.depth > 0, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }.value
    }

    private func tickUntilCancelled() async {
        let collector = MetricCollector(
            fileSystem: RootedProcFileSystem(root: configuration.hostRoot), identity: identity,
            includeLoopback: configuration.includeLoopback, topProcesses: configuration.topProcesses, logger: logger)
        var schedule = TickSchedule(firstDeadline: clock.now)
        var cadence = ProcessCadence(interval: configuration.processInterval)
        while !Task.isCancelled {
            tick(collector, cadence: &cadence)
            guard await schedule.waitForNextTick(on: clock, interval: { control.interval }) else { return }
        }
    }

    private func tick(_ collector: MetricCollector<RootedProcFileSystem>, cadence: inout ProcessCadence) {
        let now = timeSource()
        let requested = control.takeProcessSnapshotRequest()
        let includeProcesses = configuration.topProcesses > 0 && cadence.due(at: now, requested: requested)
        let batch = collector.collect(now: now, includeProcesses: includeProcesses)
        do {
            try buffer.append(batch)
            counters.update {
                $0.batchesCollected += 1
                $0.lastTickCPU = collector.lastTickCPU
                $0.lastTickReadings = batch.readings.count
            }
            uploader.batchAppended()
        } catch {
            logger.error("could not store a batch in the outbox; it is lost", metadata: ["error": "\(error)"])
        }
    }
}

extension CollectorAgent where TickClock == ContinuousClock {
    /// An agent on the real monotonic clock.
    public convenience init(
        configuration: CollectorConfiguration, logger: Logger = Logger(label: "fleetwatch.collector")
    )
        throws
    {
        try self.init(configuration: configuration, clock: ContinuousClock(), logger: logger)
    }
}
