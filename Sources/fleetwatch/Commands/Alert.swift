import ArgumentParser
import FleetAlerts
import FleetAMQP
import FleetBus
import FleetPostgres
import FleetRuntime
import FleetSettings
import FleetStore
import Foundation
import Logging

struct Alert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The alert evaluator: applies the rules to fleet.alert partitions, records transitions, sends notifications.")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: "Alert partitions, the same for every replica (FLEETWATCH_ALERT_PARTITIONS, default 4).")
    var partitions: Int?

    @OptionGroup var notify: NotifyOptions

    @Option(help: "Names this instance's rule-change queue (FLEETWATCH_ALERT_ID, default: random).")
    var instanceID: String?

    func run() async throws {
        let registry = Observability.bootstrap(service: "alert", level: try service.level())
        let logger = Logger(label: "fleetwatch.alert")
        let partitions = try Setting.integer(
            Setting.value(self.partitions.map(String.init), env: "FLEETWATCH_ALERT_PARTITIONS", default: "4"),
            setting: "FLEETWATCH_ALERT_PARTITIONS", in: 1...256)
        let attempts = try notify.attempts()
        let routing = try notify.configuration()
        let id = try instanceName(
            Setting.value(instanceID, env: "FLEETWATCH_ALERT_ID"), prefix: "alert", setting: "FLEETWATCH_ALERT_ID")

        let store = PostgresMetricStore(configuration: try PostgresStoreConfiguration(url: database.url), logger: logger)
        let bus = try AMQPBus(url: broker.url, logger: logger)
        let readiness = Readiness(["amqp", "database"])
        let book = RuleBook()
        let evaluator = AlertEvaluator(bus: bus, store: store, rules: book, logger: logger, now: currentTimeMillis)
        let follower = RuleFollower(
            bus: bus, store: store, book: book, instance: id, logger: logger, onRetired: evaluator.forget(retired:))
        // Without routing the dispatcher still drains fleet.notify (every alert to a receiver without destinations).
        let dispatcher = NotificationDispatcher(
            bus: bus, configuration: routing ?? .discarding, attempts: attempts, logger: logger, now: currentTimeMillis,
            silences: { try await store.silences(activeAtMs: currentTimeMillis()) },
            firing: NotificationDispatcher.firingAlerts(in: store))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await runServices(
                [
                    WorkerService {
                        try await migrateWhenReachable(store, readiness: readiness, logger: logger)
                        try await declareWhenReachable(
                            bus, topology: .alerts(partitions: partitions) + .notify, readiness: readiness, logger: logger)
                        try await follower.load()
                        try await withThrowingTaskGroup(of: Void.self) { work in
                            work.addTask { try await follower.run() }
                            work.addTask { try await evaluator.run(partitions: partitions, instance: id) }
                            work.addTask { try await dispatcher.run() }
                            try await work.waitForAll()
                        }
                    }
                ],
                health: HealthServer(
                    address: try service.health(default: Defaults.alertHealth), readiness: readiness, registry: registry,
                    logger: logger),
                logger: logger)
        }
        await bus.shutdown()
    }
}
