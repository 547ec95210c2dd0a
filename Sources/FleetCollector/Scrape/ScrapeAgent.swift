import FleetCore
import FleetProto
import Logging
import Synchronization

/// `fleetwatch scrape`: a collector whose readings come from a Prometheus node_exporter instead of /proc. Every
/// interval it scrapes the target, translates the text (`PrometheusTextParser`, `NodeExporterTranslator`) into a
/// batch of the "node_exporter" source and hands it to the same outbox and uploader as the Linux collector, so it
/// keeps the collector's guarantees (durable outbox, backfill, backoff, breaker) and obeys the edge's commands
/// (a new interval; snapshot requests are ignored: node_exporter has no processes). With a join token it enrolls
/// like the agent (`MachineEnrollment`) as soon as the first scrape names the machine, and keeps the credential in
/// `<data dir>/scrape/credential`.
public final class ScrapeAgent: Sendable {
    public let configuration: CollectorConfiguration
    public let buffer: BatchBuffer
    public let control: CollectorControl
    public let uploader: IngestUploader
    private let fetcher: any ExpositionFetcher
    private let counters: CollectorCounters
    private let logger: Logger
    private let state: Mutex<State>
    /// Set by the first scrape that names the machine; what enrollment waits for.
    private let identity: ScrapedIdentity

    private struct State {
        var translator: NodeExporterTranslator
        var machineID: String?
        var failing = false
    }

    /// What one scrape gave, for logs and tests.
    public struct Outcome: Sendable, Equatable {
        public var sequence: UInt64
        public var readings: Int
        /// Samples left out: non-finite values, lines not in the format, pass-through series over the edge's rules.
        public var droppedNonFinite: Int
        public var malformedLines: Int
        public var skipped: Int
    }

    /// Validates the configuration and opens the outbox (`<data dir>/scrape`, apart from a collector's). A stored
    /// machine credential replaces the shared token; without one, a join token obtains it.
    public init(
        configuration: CollectorConfiguration, fetcher: any ExpositionFetcher,
        uploaderOptions: IngestUploader.Options? = nil, logger: Logger = Logger(label: "fleetwatch.scrape")
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.fetcher = fetcher
        self.logger = logger
        buffer = try BatchBuffer(
            directory: configuration.dataDirectory + "/scrape", maxBatches: configuration.maxBufferedBatches,
            maxBytes: configuration.maxBufferedBytes, durable: configuration.durableBuffer, logger: logger)
        control = CollectorControl(interval: configuration.interval)
        counters = CollectorCounters()
        let credentialFile = CredentialFile(dataDirectory: configuration.dataDirectory, folder: "scrape")
        let credential = try credentialFile.read()
        let identity = ScrapedIdentity()
        self.identity = identity
        uploader = IngestUploader(
            endpoint: try configuration.endpoint(), token: credential ?? configuration.token, buffer: buffer,
            control: control, counters: counters,
            options: uploaderOptions ?? IngestUploader.Options(maxInFlight: configuration.maxInFlight), logger: logger,
            enrollment: credential == nil
                ? configuration.joinToken.map {
                    MachineEnrollment(joinToken: $0, file: credentialFile, identity: { await identity.value() })
                } : nil)
        state = Mutex(
            State(
                translator: NodeExporterTranslator(includeLoopback: configuration.includeLoopback),
                machineID: configuration.machineIDOverride))
    }

    /// The counters now (collected, sent, acked, dropped, rejected, outbox depth).
    public var statistics: CollectorStatistics { counters.snapshot(buffer: buffer) }

    /// Scrapes and uploads until the task is cancelled, then gives the outbox `drainTimeout` to empty.
    public func run() async throws {
        logger.info(
            "scraper starting",
            metadata: [
                "target": "\(fetcher)", "ingest": "\(configuration.ingestURL)", "interval": "\(control.interval)",
                "buffered": "\(buffer.depth)",
            ])
        // Unstructured for the same reason as the collector's: it must outlive the cancelled scrape loop to drain.
        let upload = Task { try await self.uploader.run() }
        await scrapeUntilCancelled()
        let deadline = ContinuousClock.now + configuration.drainTimeout
        await Task {
            while buffer.depth > 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        }.value
        upload.cancel()
        do {
            try await upload.value
        } catch {
            logger.error("the uploader failed", metadata: ["error": "\(error)"])
        }
        logger.info("scraper stopped", metadata: ["pending": "\(buffer.depth)", "next_sequence": "\(buffer.nextSequence)"])
    }

    /// One scrape into the outbox: the batch's sequence and figures, or nil when the scrape failed (logged).
    @discardableResult
    public func scrapeOnce(at time: TickTime = .now()) async -> Outcome? {
        _ = control.takeProcessSnapshotRequest()
        let text: String
        do {
            text = try await fetcher.fetch()
        } catch {
            let first = state.withLock { state in
                defer { state.failing = true }
                return !state.failing
            }
            // Once per outage at warning level, so a stopped exporter does not flood the log.
            logger.log(
                level: first ? .warning : .debug, "scrape failed; no batch this interval",
                metadata: ["error": "\(error)"])
            return nil
        }
        let exposition = PrometheusTextParser.parse(text)
        let (output, machineID, wasFailing) = state.withLock { state in
            let output = state.translator.translate(exposition, atSeconds: Double(time.monotonicNanos) / 1e9)
            if state.machineID == nil { state.machineID = MachineID.sanitize(output.hostname) }
            let wasFailing = state.failing
            state.failing = state.machineID == nil
            return (output, state.machineID, wasFailing)
        }
        guard let machineID else {
            logger.log(
                level: wasFailing ? .debug : .error,
                "the exporter reports no node_uname_info nodename: set --machine-id (FLEETWATCH_MACHINE_ID)")
            return nil
        }
        if wasFailing { logger.info("scrapes succeed again") }
        if exposition.malformedLines > 0 {
            logger.warning(
                "lines of the scrape are not Prometheus text",
                metadata: ["count": "\(exposition.malformedLines)", "first": "\(exposition.problems.first ?? "")"])
        }
        let batch = Self.batch(
            machineID: machineID, output: output, labels: configuration.labels, timestampMs: time.wallMillis)
        identity.set(batch.identity)
        do {
            let sequence = try buffer.append(batch)
            counters.update {
                $0.batchesCollected += 1
                $0.lastTickReadings = batch.readings.count
            }
            uploader.batchAppended()
            return Outcome(
                sequence: sequence, readings: batch.readings.count, droppedNonFinite: exposition.droppedNonFinite,
                malformedLines: exposition.malformedLines, skipped: output.skipped)
        } catch {
            logger.error("could not store a batch in the outbox; it is lost", metadata: ["error": "\(error)"])
            return nil
        }
    }

    static func batch(
        machineID: String, output: NodeExporterTranslator.Output, labels: [String: String], timestampMs: Int64
    ) -> Fleetwatch_V1_RawBatch {
        let limits = BatchLimits.standard
        var batch = Fleetwatch_V1_RawBatch()
        batch.machineID = machineID
        batch.source = NodeExporterReading.source
        batch.timestampMs = timestampMs
        batch.readings = output.readings
        batch.identity.machineID = machineID
        batch.identity.hostname = Self.clipped(output.hostname.isEmpty ? machineID : output.hostname, limits.maxHostnameLength)
        batch.identity.os = Self.clipped(output.os, limits.maxOSLength)
        batch.identity.kernel = Self.clipped(output.kernel, limits.maxKernelLength)
        batch.identity.cpuCores = output.cpuCores
        batch.identity.labels = labels
        batch.identity.agentVersion = Self.clipped(
            output.exporterVersion.isEmpty ? "node_exporter" : "node_exporter \(output.exporterVersion)",
            limits.maxAgentVersionLength)
        return batch
    }

    /// At most `bytes` bytes of `text`, cut at a character boundary.
    private static func clipped(_ text: String, _ bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var out = ""
        for character in text {
            guard out.utf8.count + character.utf8.count <= bytes else { break }
            out.append(character)
        }
        return out
    }

    private func scrapeUntilCancelled() async {
        let clock = ContinuousClock()
        var schedule = TickSchedule(firstDeadline: clock.now)
        while !Task.isCancelled {
            await scrapeOnce()
            guard await schedule.waitForNextTick(on: clock, interval: { control.interval }) else { return }
        }
    }
}
