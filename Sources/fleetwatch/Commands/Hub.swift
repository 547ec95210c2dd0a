import ArgumentParser
import FleetBus
import FleetCollector
import FleetAlerts
import FleetConfig
import FleetCore
import FleetFanout
import FleetGateway
import FleetIngest
import FleetLogging
import FleetNormalizer
import FleetPersister
import FleetProto
import FleetRuntime
import FleetSQLite
import FleetSettings
import FleetStore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import ServiceLifecycle

struct Hub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Everything in one process: edge, normalizer, persister, dashboard, fleet queries and a collector "
            + "for this machine, with an in-process bus and SQLite. No servers to install.")

    @Option(help: "Data folder: SQLite database, tokens, collector buffer (FLEETWATCH_DATA_DIR, default $XDG_DATA_HOME/fleetwatch).")
    var dataDir: String?

    @Option(name: .customLong("http-addr"), help: "Dashboard and API (FLEETWATCH_HTTP_ADDR, default \(Defaults.httpAddress)).")
    var httpAddress: String?

    @Option(help: "Ingest edge for collectors (FLEETWATCH_INGEST_LISTEN, default \(Defaults.ingestListen); 0.0.0.0:7070 lets other machines join).")
    var ingestListen: String?

    @Option(help: "gRPC fleet queries for the CLI (FLEETWATCH_CONFIG_LISTEN, default \(Defaults.configListen)).")
    var configListen: String?

    @Option(help: "Seconds between collections of this machine (FLEETWATCH_INTERVAL, default 5).")
    var interval: Int?

    @Flag(help: "Do not collect this machine (only receive other collectors).")
    var noCollect = false

    @Option(help: "Days of raw samples to keep (FLEETWATCH_RETENTION_DAYS, default 30).")
    var retentionDays: Int?

    @OptionGroup var live: LiveOptions
    @OptionGroup var access: DashboardAccessOptions
    @OptionGroup var tls: ServerTLSOptions

    @OptionGroup var notify: NotifyOptions
    @OptionGroup var machineCredentials: MachineCredentialOptions

    @Option(help: "The dashboard's folder (FLEETWATCH_WEB_DIR, default: web/ of this checkout).")
    var webDir: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (FLEETWATCH_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        let registry = Observability.bootstrap(service: "hub", level: try Logger.Level.fromSetting(logLevel))
        let logger = Logger(label: "fleetwatch.hub")
        let settings = try HubSettings(command: self)
        let notifyAttempts = try notify.attempts()
        let routing = try notify.configuration()
        try ensureListenable([
            (settings.http, "FLEETWATCH_HTTP_ADDR"), (settings.ingest, "FLEETWATCH_INGEST_LISTEN"),
            (settings.config, "FLEETWATCH_CONFIG_LISTEN"),
        ])
        let store = try SQLiteMetricStore(
            path: settings.dataDirectory + "/fleetwatch.sqlite", retention: settings.retention, logger: logger)
        try await store.migrate()
        let bus = InProcessBus()
        try await bus.declare(
            .pipeline + .fanout(instance: "hub") + .alerts(partitions: 1) + .ruleChanges(instance: "hub")
                + (routing == nil ? Topology() : .notify))
        let readiness = Readiness(["http", LiveViewSeeding.condition])
        let hub = LiveHub(cache: try liveCache())

        let credentials =
            try machineCredentials.enabled()
            ? machineCredentials.edge(store: store, sharedTokens: [settings.token], logger: logger) : nil
        let ingest = IngestService(
            publisher: BundlePublisher(bus: bus), authenticator: TokenAuthenticator(tokens: [settings.token]),
            limits: try batchLimits(), logger: logger, now: currentTimeMillis, credentials: credentials?.gate)
        let edge = IngestServer.make(
            host: settings.ingest.host, port: settings.ingest.port, ingest: ingest,
            alongside: (credentials.map { [$0.enrollment] } ?? [])
                + StandardServices.make(serving: IngestServer.serviceNames, isServing: { readiness.isReady }),
            security: settings.tls.grpcSecurity)
        let changes = RuleChanges()
        let ender = AlertEnder(store: store, bus: bus, logger: logger, now: currentTimeMillis)
        let retirement = MachineRetirement(store: store, ender: ender, bus: bus, logger: logger, now: currentTimeMillis)
        let sweeper = AlertSweeper(rules: store, alerts: store, ender: ender, hub: hub, logger: logger, now: currentTimeMillis)
        let queries = GRPCServer(
            transport: .http2NIOPosix(
                address: .ipv4(host: settings.config.host, port: settings.config.port),
                transportSecurity: settings.tls.grpcSecurity),
            services: [
                RulesService(store: store, bus: bus, changes: changes, ender: ender, logger: logger, now: currentTimeMillis),
                AlertsService(store: store, silences: store, now: currentTimeMillis),
                SilencesService(store: store, logger: logger, now: currentTimeMillis),
                CredentialsService(store: store, logger: logger, now: currentTimeMillis),
                FleetQueryService(
                    hub: hub, retirement: retirement, thresholds: settings.thresholds, now: currentTimeMillis),
                MonitoringMetricsService(hub: hub, thresholds: settings.thresholds, now: currentTimeMillis),
                CollectorControlService(directory: ingest.directory, adminToken: settings.adminToken),
            ] + StandardServices.make(
                serving: ConfigServiceNames.all + [CollectorControlService.serviceName], isServing: { readiness.isReady }),
            interceptors: [AdminTokenInterceptor(token: settings.adminToken)])
        var queriesEndpoint = try GRPCEndpoint(
            url: settings.localURL(settings.config), variable: "FLEETWATCH_CONFIG_LISTEN", defaultPort: 7071)
        queriesEndpoint.trust = settings.localTrust
        let config = ConfigClient(transport: try queriesEndpoint.makeTransport())
        let book = RuleBook()
        let evaluator = AlertEvaluator(bus: bus, store: store, rules: book, logger: logger, now: currentTimeMillis)
        let follower = RuleFollower(
            bus: bus, store: store, book: book, instance: "hub", logger: logger, onRetired: evaluator.forget(retired:))
        // Only with routing: an in-process fleet.notify nobody consumes would fill up and hold the evaluator back.
        let dispatcher = routing.map {
            NotificationDispatcher(
                bus: bus, configuration: $0, attempts: notifyAttempts, logger: logger, now: currentTimeMillis,
                silences: { try await store.silences(activeAtMs: currentTimeMillis()) },
                firing: NotificationDispatcher.firingAlerts(in: store))
        }
        let gateway = GatewayServer(
            configuration: .init(
                host: settings.http.host, port: settings.http.port, web: settings.web, thresholds: settings.thresholds,
                gatewayID: "hub", origins: settings.origins, viewers: settings.viewers, tls: settings.tls),
            hub: hub, store: store, silenceStore: store, config: config, queueInspector: bus,
            health: HealthRoutes(readiness: readiness, registry: registry), logger: logger, now: currentTimeMillis,
            onListening: {
                readiness.set("http", true)
                settings.printWelcome(joinToken: try? machineCredentials.join())
            })
        let normalizer = NormalizerWorker(bus: bus, logger: logger, now: currentTimeMillis)
        let fanout = FanoutConsumer(
            bus: bus, instance: "hub", hub: hub, logger: logger,
            onEvent: changes.receive)

        // Started in this order, stopped in reverse: the collector hands its last batches to the edge, the edge
        // stops, the normalizer and persister drain their in-memory queues, the dashboard goes last.
        var services: [any Service] = [
            config,
            GRPCServerService(server: queries),
            WorkerService {
                try await follower.load()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await follower.run() }
                    group.addTask { try await evaluator.run(partitions: 1, instance: "hub") }
                    group.addTask { try await sweeper.run() }
                    if let dispatcher { group.addTask { try await dispatcher.run() } }
                    try await group.waitForAll()
                }
            },
            DrainingWorkerService(drained: { await bus.waitUntilIdle([FleetQueue.persist]) }) {
                var configuration = PersisterConfiguration()
                configuration.limits = try batchLimits()
                let persister = Persister(
                    consumer: try await bus.consume(queue: FleetQueue.persist, prefetch: 200), store: store,
                    configuration: configuration, logger: logger,
                    echoes: ProbeEchoes(bus: bus, hop: .persisted, logger: logger))
                await persister.run()
            },
            DrainingWorkerService(drained: { await bus.waitUntilIdle([FleetQueue.normalize]) }) {
                try await normalizer.run()
            },
            WorkerService {
                try await LiveViewSeeding.run(hub: hub, store: store, alerts: store, readiness: readiness, logger: logger)
                try await fanout.run(now: currentTimeMillis)
            },
            GRPCServerService(server: edge),
        ]
        if var collector = settings.collector {
            // With a join token the hub's own collector enrolls like any other machine.
            collector.joinToken = try machineCredentials.join()
            let agent = try CollectorAgent(configuration: collector, logger: logger)
            services.append(WorkerService { try await agent.run() })
        }
        try await runServices(services, health: gateway, logger: logger)
        await bus.shutdown()
    }
}
