import ArgumentParser
import FleetAMQP
import FleetBus
import FleetPersister
import FleetPostgres
import FleetRuntime
import FleetSettings
import FleetStore
import Logging

struct Persist: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Consumes fleet.persist: writes samples to PostgreSQL with COPY, idempotently; rollups and retention.")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: "Days of raw samples to keep (FLEETWATCH_RETENTION_DAYS, default 30).")
    var retentionDays: Int?

    @Option(help: "Messages per transaction (FLEETWATCH_PERSIST_BATCH, default 500).")
    var batchSize: Int?

    func run() async throws {
        let registry = Observability.bootstrap(service: "persist", level: try service.level())
        let logger = Logger(label: "fleetwatch.persist")
        let days = try Setting.integer(
            Setting.value(retentionDays.map(String.init), env: "FLEETWATCH_RETENTION_DAYS", default: "30"),
            setting: "FLEETWATCH_RETENTION_DAYS", in: 1...3650)
        var persisterConfiguration = PersisterConfiguration()
        persisterConfiguration.limits = try batchLimits()
        persisterConfiguration.batchSize = try Setting.integer(
            Setting.value(batchSize.map(String.init), env: "FLEETWATCH_PERSIST_BATCH", default: "100"),
            setting: "FLEETWATCH_PERSIST_BATCH", in: 1...10_000)
        var retention = RetentionPolicy()
        retention.raw = RetentionPolicy.day * days

        let store = PostgresMetricStore(
            configuration: try PostgresStoreConfiguration(url: database.url), retention: retention, logger: logger)
        let bus = try AMQPBus(url: broker.url, logger: logger)
        let readiness = Readiness(["amqp", "database"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            let persisterConfiguration = persisterConfiguration
            // Waiting for the database and the broker happens inside the service, so SIGTERM stops a
            // process that is still waiting.
            try await runServices(
                [
                    WorkerService {
                        try await migrateWhenReachable(store, readiness: readiness, logger: logger)
                        try await declareWhenReachable(bus, topology: .persist, readiness: readiness, logger: logger)
                        let persister = Persister(
                            consumer: try await bus.consume(
                                queue: FleetQueue.persist, prefetch: persisterConfiguration.batchSize * 2),
                            store: store, configuration: persisterConfiguration, logger: logger,
                            onStoreAvailability: { readiness.set("database", $0) },
                            echoes: ProbeEchoes(bus: bus, hop: .persisted, logger: logger))
                        await persister.run()
                    }
                ],
                health: HealthServer(
                    address: try service.health(default: Defaults.persistHealth), readiness: readiness, registry: registry,
                    logger: logger),
                logger: logger)
        }
        await bus.shutdown()
    }
}
