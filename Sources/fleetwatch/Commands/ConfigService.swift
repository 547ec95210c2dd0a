import ArgumentParser
import FleetAMQP
import FleetBus
import FleetCore
import FleetPostgres
import FleetProto
import FleetConfig
import FleetFanout
import FleetLogging
import FleetRuntime
import FleetSettings
import FleetStore
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging

struct ConfigService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-service",
        abstract: "gRPC: alert rules (Rules, in PostgreSQL), alert history (Alerts), fleet queries (FleetQuery and the original monitoring.MetricsService).")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var live: LiveOptions
    @OptionGroup var tls: ServerTLSOptions

    @Option(help: "gRPC listen address (FLEETWATCH_CONFIG_LISTEN, default \(Defaults.configListen)).")
    var listen: String?

    @Option(help: "Token that rule changes must present (FLEETWATCH_ADMIN_TOKEN); without one, rules are read-only.")
    var adminToken: String?

    @Option(help: "File whose first line is the admin token (FLEETWATCH_ADMIN_TOKEN_FILE).")
    var adminTokenFile: String?

    @Option(help: "Names this instance's fanout queue fleet.fanout.<id> (FLEETWATCH_CONFIG_ID, default: random).")
    var instanceID: String?

    func run() async throws {
        let registry = Observability.bootstrap(service: "config-service", level: try service.level())
        let logger = Logger(label: "fleetwatch.config")
        let address = try HostPort(
            parsing: Setting.value(listen, env: "FLEETWATCH_CONFIG_LISTEN", default: Defaults.configListen),
            setting: "FLEETWATCH_CONFIG_LISTEN")
        try ensureListenable([(address, "FLEETWATCH_CONFIG_LISTEN")])
        let thresholds = try live.thresholds()
        let tls = try self.tls.load()
        let id = try instanceName(
            Setting.value(instanceID, env: "FLEETWATCH_CONFIG_ID"), prefix: "config", setting: "FLEETWATCH_CONFIG_ID")

        let store = PostgresMetricStore(configuration: try PostgresStoreConfiguration(url: database.url), logger: logger)
        try await store.configuration.checkCertificate(logger: logger)
        let bus = try AMQPBus(url: broker.url, logger: logger)
        let readiness = Readiness(["amqp", "database"])
        let hub = LiveHub(cache: try liveCache())
        let changes = RuleChanges()
        let ender = AlertEnder(store: store, bus: bus, logger: logger, now: currentTimeMillis)
        let retirement = MachineRetirement(store: store, ender: ender, bus: bus, logger: logger, now: currentTimeMillis)
        let sweeper = AlertSweeper(rules: store, alerts: store, ender: ender, hub: hub, logger: logger, now: currentTimeMillis)
        let fanout = FanoutConsumer(
            bus: bus, instance: id, hub: hub, logger: logger, onAvailability: { readiness.set("amqp", $0) },
            onEvent: changes.receive)
        let adminToken = try Setting.secret(adminToken, file: adminTokenFile, env: "FLEETWATCH_ADMIN_TOKEN")
        if adminToken == nil { logger.warning("no FLEETWATCH_ADMIN_TOKEN: rules are read-only") }
        let server = GRPCServer(
            transport: .http2NIOPosix(
                address: .ipv4(host: address.host, port: address.port), transportSecurity: tls.grpcSecurity),
            services: [
                RulesService(store: store, bus: bus, changes: changes, ender: ender, logger: logger, now: currentTimeMillis),
                AlertsService(store: store, silences: store, now: currentTimeMillis),
                SilencesService(store: store, logger: logger, now: currentTimeMillis),
                CredentialsService(store: store, logger: logger, now: currentTimeMillis),
                FleetQueryService(hub: hub, retirement: retirement, thresholds: thresholds, now: currentTimeMillis),
                MonitoringMetricsService(hub: hub, thresholds: thresholds, now: currentTimeMillis),
            ] + StandardServices.make(serving: ConfigServiceNames.all, isServing: { readiness.isReady }),
            interceptors: [AdminTokenInterceptor(token: adminToken)])
        logger.info("config service starting", metadata: ["listen": "\(address)", "queue": "\(fanout.queue)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await runServices(
                [
                    GRPCServerService(server: server),
                    WorkerService { try await sweeper.run() },
                    WorkerService {
                        try await followLiveFeed(
                            fanout, seedingFrom: store, into: hub, instance: id, bus: bus, readiness: readiness, logger: logger)
                    },
                ],
                health: HealthServer(
                    address: try service.health(default: Defaults.configHealth), readiness: readiness, registry: registry,
                    logger: logger),
                logger: logger)
        }
        await bus.shutdown()
    }
}
