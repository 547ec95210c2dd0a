import ArgumentParser
import FleetCollector
import FleetRuntime
import Logging
import Metrics
import ServiceLifecycle

struct Collect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The collector for this machine: reads /proc and /sys, buffers on disk, streams to the ingest edge.")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var collector: CollectorOptions

    @Option(help: "Measure the CPU time of N collection ticks, print it and exit (nothing is sent).")
    var measureTicks: Int?

    func run() async throws {
        if let ticks = measureTicks {
            let fileSystem = RootedProcFileSystem()
            let identity = try MachineIdentityBuilder().build(fileSystem: fileSystem)
            print(CollectorBenchmark.measure(MetricCollector(fileSystem: fileSystem, identity: identity), ticks: ticks))
            return
        }
        let registry = Observability.bootstrap(service: "collect", level: try service.level())
        let logger = Logger(label: "fleetwatch.collect")
        let agent = try CollectorAgent(configuration: try collector.configuration(), logger: logger)
        let readiness = Readiness()
        try await runServices(
            [WorkerService { try await agent.run() }, CollectorGauges(agent: agent)],
            health: HealthServer(address: try service.health(default: Defaults.collectHealth), readiness: readiness, registry: registry, logger: logger),
            logger: logger)
    }
}

/// Collector settings shared by `fleetwatch collect` and the portable agent.
struct CollectorOptions: ParsableArguments {
    @Option(help: "Ingest edge URL (FLEETWATCH_INGEST_URL, default \(Defaults.ingestURL)).") var ingestURL: String?
    @Option(help: "Collector token (FLEETWATCH_TOKEN).") var token: String?
    @Option(help: "File whose first line is the collector token (FLEETWATCH_TOKEN_FILE).") var tokenFile: String?
    @Option(help: "Seconds between collections, 1...3600 (FLEETWATCH_INTERVAL, default 5).") var interval: Int?
    @Option(help: "Buffer folder (FLEETWATCH_DATA_DIR, default $XDG_DATA_HOME/fleetwatch).") var dataDir: String?
    @Option(help: "Machine id instead of /etc/machine-id (FLEETWATCH_MACHINE_ID).") var machineID: String?
    @Option(help: "Labels as k=v,k=v (FLEETWATCH_LABELS).") var labels: String?
    @Option(help: "Top processes per snapshot, 0 turns snapshots off (FLEETWATCH_TOP_PROCESSES).") var topProcesses: Int?
    @Flag(help: "Also report the loopback interface.") var includeLoopback = false

    func configuration() throws -> CollectorConfiguration {
        var configuration = CollectorConfiguration(dataDirectory: Setting.value(dataDir, env: "FLEETWATCH_DATA_DIR", default: Defaults.dataDirectory))
        configuration.ingestURL = Setting.value(ingestURL, env: "FLEETWATCH_INGEST_URL", default: Defaults.ingestURL)
        configuration.token = try Setting.secret(token, file: tokenFile, env: "FLEETWATCH_TOKEN")
        let seconds = try Setting.integer(
            Setting.value(interval.map(String.init), env: "FLEETWATCH_INTERVAL", default: "5"), setting: "FLEETWATCH_INTERVAL", in: 1...3600)
        configuration.interval = .seconds(seconds)
        configuration.machineIDOverride = Setting.value(machineID, env: "FLEETWATCH_MACHINE_ID")
        if let text = Setting.value(labels, env: "FLEETWATCH_LABELS") {
            configuration.labels = try Self.parseLabels(text)
        }
        if let top = Setting.value(topProcesses.map(String.init), env: "FLEETWATCH_TOP_PROCESSES") {
            configuration.topProcesses = try Setting.integer(top, setting: "FLEETWATCH_TOP_PROCESSES", in: 0...100)
        }
        configuration.includeLoopback = includeLoopback
        return configuration
    }

    static func parseLabels(_ text: String) throws(ConfigError) -> [String: String] {
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ConfigError(setting: "FLEETWATCH_LABELS", expected: "k=v,k=v", got: text)
            }
            labels[String(parts[0])] = String(parts[1])
        }
        return labels
    }
}

/// Exports the collector's counters as Prometheus gauges every few seconds.
struct CollectorGauges<C: Clock>: Service where C.Duration == Duration {
    let agent: CollectorAgent<C>

    func run() async throws {
        let collected = Gauge(label: "fleetwatch_collector_batches_collected")
        let acked = Gauge(label: "fleetwatch_collector_batches_acked")
        let dropped = Gauge(label: "fleetwatch_collector_batches_dropped")
        let rejected = Gauge(label: "fleetwatch_collector_batches_rejected")
        let depth = Gauge(label: "fleetwatch_collector_buffer_batches")
        let reconnects = Gauge(label: "fleetwatch_collector_reconnects")
        let tickCPU = Gauge(label: "fleetwatch_collector_tick_cpu_seconds")
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let stats = agent.statistics
                collected.record(stats.batchesCollected)
                acked.record(stats.batchesAcked)
                dropped.record(stats.batchesDropped)
                rejected.record(stats.batchesRejected)
                depth.record(stats.bufferDepth)
                reconnects.record(stats.reconnects)
                tickCPU.record(Double(stats.lastTickCPU.components.attoseconds) / 1e18 + Double(stats.lastTickCPU.components.seconds))
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
