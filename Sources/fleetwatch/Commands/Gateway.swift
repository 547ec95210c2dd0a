import ArgumentParser
import FleetAMQP
import FleetBus
import FleetCore
import FleetFanout
import FleetGateway
import FleetLogging
import FleetPostgres
import FleetRuntime
import FleetSettings
import FleetStore
import Foundation
import Logging

struct Gateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serves the dashboard, the REST API /api/v1 and the WebSocket live feed, from its own fanout queue.")

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var database: DatabaseOptions

    @Option(
        name: .customLong("http-addr"),
        help: "Listen address of the dashboard, API, /healthz, /readyz and /metrics (FLEETWATCH_HTTP_ADDR, default \(Defaults.httpAddress)).")
    var httpAddress: String?

    @Option(help: "The dashboard's folder (FLEETWATCH_WEB_DIR, default: web/ of this checkout).")
    var webDir: String?

    @Option(
        name: .customLong("chartjs-dir"),
        help: "Folder of Chart.js, served at /vendor/chart.js (FLEETWATCH_CHARTJS_DIR, default \(WebFiles.defaultChartJS)).")
    var chartJSDir: String?

    @OptionGroup var live: LiveOptions
    @OptionGroup var access: DashboardAccessOptions
    @OptionGroup var tls: ServerTLSOptions
    @OptionGroup var clientTLS: ClientTLSOptions

    @Option(help: "Names this instance's fanout queue fleet.fanout.<id> (FLEETWATCH_GATEWAY_ID, default: random).")
    var gatewayID: String?

    @Option(name: .customLong("config-url"), help: "The config service, for rules (FLEETWATCH_CONFIG_URL, default \(Defaults.configURL)).")
    var configURL: String?

    @Option(
        name: .customLong("management-url"),
        help: "RabbitMQ management API, for the pipeline panel's queue figures (FLEETWATCH_MANAGEMENT_URL, default \(RabbitManagementInspector.defaultURL)).")
    var managementURL: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (FLEETWATCH_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        let registry = Observability.bootstrap(service: "gateway", level: try Logger.Level.fromSetting(logLevel))
        let logger = Logger(label: "fleetwatch.gateway")
        let address = try HostPort(
            parsing: Setting.value(httpAddress, env: "FLEETWATCH_HTTP_ADDR", default: Defaults.httpAddress),
            setting: "FLEETWATCH_HTTP_ADDR")
        try ensureListenable([(address, "FLEETWATCH_HTTP_ADDR")])
        let thresholds = try live.thresholds()
        let tls = try self.tls.load()
        let id = try instanceName(
            Setting.value(gatewayID, env: "FLEETWATCH_GATEWAY_ID"), prefix: "gw", setting: "FLEETWATCH_GATEWAY_ID")
        let web = WebFiles(
            root: Setting.value(webDir, env: "FLEETWATCH_WEB_DIR") ?? WebFiles.locateRoot(),
            chartJS: Setting.value(chartJSDir, env: "FLEETWATCH_CHARTJS_DIR", default: WebFiles.defaultChartJS))
        if let problem = web.problems().first { throw ArgumentParser.ValidationError(problem) }
        for warning in web.warnings() { logger.warning("\(warning)") }

        let store = PostgresMetricStore(configuration: try PostgresStoreConfiguration(url: database.url), logger: logger)
        try await store.configuration.checkCertificate(logger: logger)
        let bus = try AMQPBus(url: broker.url, logger: logger)
        let readiness = Readiness(["amqp", "database", LiveViewSeeding.condition])
        let hub = LiveHub(cache: try liveCache())
        let fanout = FanoutConsumer(
            bus: bus, instance: id, hub: hub, logger: logger, onAvailability: { readiness.set("amqp", $0) })
        let configURL = Setting.value(configURL, env: "FLEETWATCH_CONFIG_URL", default: Defaults.configURL)
        let config = ConfigClient(
            transport: try clientTLS.apply(
                to: GRPCEndpoint(url: configURL, variable: "FLEETWATCH_CONFIG_URL", defaultPort: 7071)
            ).makeTransport())
        let queues: RabbitManagementInspector
        do {
            queues = try RabbitManagementInspector(
                url: Setting.value(managementURL, env: RabbitManagementInspector.environmentVariable, default: RabbitManagementInspector.defaultURL),
                vhost: try AMQPURLList(parsing: broker.url).first.vhost)
        } catch {
            throw ArgumentParser.ValidationError("\(error)")
        }
        let server = GatewayServer(
            configuration: .init(
                host: address.host, port: address.port, web: web, thresholds: thresholds, gatewayID: id,
                origins: try access.origins(), viewers: try access.viewers(), tls: tls),
            hub: hub, store: store, silenceStore: store, config: config, queueInspector: queues,
            health: HealthRoutes(readiness: readiness, registry: registry), logger: logger, now: currentTimeMillis)
        logger.info("gateway starting", metadata: ["id": "\(id)", "queue": "\(fanout.queue)", "web": "\(web.root)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await runServices(
                [
                    config,
                    WorkerService {
                        try await followLiveFeed(
                            fanout, seedingFrom: store, into: hub, instance: id, bus: bus, readiness: readiness, logger: logger)
                    }
                ],
                health: server, logger: logger)
        }
        await bus.shutdown()
    }
}
