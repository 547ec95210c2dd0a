import ArgumentParser
import FleetCollector
import FleetRuntime
import FleetSettings
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
            health: HealthServer(
                address: try service.health(default: Defaults.collectHealth), readiness: readiness, registry: registry,
                logger: logger),
            logger: logger)
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
                tickCPU.record(
                    Double(stats.lastTickCPU.components.attoseconds) / 1e18 + Double(stats.lastTickCPU.components.seconds))
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
