import ArgumentParser
import FleetAMQP
import FleetBus
import FleetCore
import FleetNormalizer
import FleetRuntime
import FleetSettings
import Logging

struct Normalize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consumes fleet.normalize: canonical names and units, machine context, publishes to fleet.metrics.")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var broker: BrokerOptions

    @Option(help: "Unacknowledged messages in flight (FLEETWATCH_PREFETCH).")
    var prefetch: Int?

    func run() async throws {
        let registry = Observability.bootstrap(service: "normalize", level: try service.level())
        let logger = Logger(label: "fleetwatch.normalize")
        let prefetch = try Setting.integer(
            Setting.value(self.prefetch.map(String.init), env: "FLEETWATCH_PREFETCH", default: "64"),
            setting: "FLEETWATCH_PREFETCH", in: 1...10_000)
        let bus = try AMQPBus(url: broker.url, logger: logger)
        let readiness = Readiness(["amqp"])
        let worker = NormalizerWorker(
            bus: bus, prefetch: prefetch, logger: logger, now: currentTimeMillis,
            onBrokerAvailability: { readiness.set("amqp", $0) })
        // Waiting for the broker happens inside the service, so SIGTERM stops a process that is still waiting.
        try await runServices(
            [
                WorkerService {
                    try await declareWhenReachable(bus, topology: .normalize + .persist, readiness: readiness, logger: logger)
                    try await worker.run()
                }
            ],
            health: HealthServer(
                address: try service.health(default: Defaults.normalizeHealth), readiness: readiness, registry: registry,
                logger: logger),
            logger: logger)
        await bus.shutdown()
    }
}
