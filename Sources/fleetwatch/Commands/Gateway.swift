import ArgumentParser
import FleetBus
import FleetCore
import FleetFanout
import FleetGateway
import FleetLogging
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

    @Option(help: "Silence after which a machine counts as stale (FLEETWATCH_STALE_AFTER, default 15s).")
    var staleAfter: String?

    @Option(help: "Silence after which a machine counts as offline (FLEETWATCH_OFFLINE_AFTER, default 60s).")
    var offlineAfter: String?

    @Option(help: "Names this instance's fanout queue fleet.fanout.<id> (FLEETWATCH_GATEWAY_ID, default: random).")
    var gatewayID: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (FLEETWATCH_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        let registry = Observability.bootstrap(service: "gateway", level: try Logger.Level.fromSetting(logLevel))
        let logger = Logger(label: "fleetwatch.gateway")
        let address = try HostPort(
            parsing: Setting.value(httpAddress, env: "FLEETWATCH_HTTP_ADDR", default: Defaults.httpAddress),
            setting: "FLEETWATCH_HTTP_ADDR")
        let thresholds = MachineStatus.Thresholds(
            staleAfter: try duration(staleAfter, env: "FLEETWATCH_STALE_AFTER", default: "15s"),
            offlineAfter: try duration(offlineAfter, env: "FLEETWATCH_OFFLINE_AFTER", default: "60s"))
        let id = Setting.value(gatewayID, env: "FLEETWATCH_GATEWAY_ID")
            ?? "gw-" + UUID().uuidString.prefix(8).lowercased()
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ConfigError(setting: "FLEETWATCH_GATEWAY_ID", expected: "letters, digits, - and _", got: id)
        }
        let web = WebFiles(
            root: Setting.value(webDir, env: "FLEETWATCH_WEB_DIR") ?? WebFiles.locateRoot(),
            chartJS: Setting.value(chartJSDir, env: "FLEETWATCH_CHARTJS_DIR", default: WebFiles.defaultChartJS))
        if let problem = web.problems().first { throw ArgumentParser.ValidationError(problem) }
        for warning in web.warnings() { logger.warning("\(warning)") }

        let store = PostgresMetricStore(configuration: try PostgresStoreConfiguration(url: database.url), logger: logger)
        let bus = try AMQPBus(url: broker.url, logger: logger)
        let readiness = Readiness(["amqp", "database"])
        let hub = LiveHub()
        let fanout = FanoutConsumer(
            bus: bus, instance: id, hub: hub, logger: logger, onAvailability: { readiness.set("amqp", $0) })
        let server = GatewayServer(
            configuration: .init(host: address.host, port: address.port, web: web, thresholds: thresholds, gatewayID: id),
            hub: hub, store: store, health: HealthRoutes(readiness: readiness, registry: registry), logger: logger,
            now: currentTimeMillis)
        logger.info("gateway starting", metadata: ["id": "\(id)", "queue": "\(fanout.queue)", "web": "\(web.root)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            try await runServices(
                [
                    WorkerService {
                        try await withThrowingTaskGroup(of: Void.self) { work in
                            work.addTask {
                                try await declareWhenReachable(
                                    bus, topology: .fanout(instance: id), readiness: readiness, logger: logger)
                                try await fanout.run(now: currentTimeMillis)
                            }
                            work.addTask {
                                try await migrateWhenReachable(store, readiness: readiness, logger: logger)
                                try await hub.seed(from: store, logger: logger)
                            }
                            try await work.waitForAll()
                        }
                    }
                ],
                health: server, logger: logger)
        }
        await bus.shutdown()
    }

    private func duration(_ flag: String?, env: String, default fallback: String) throws -> Duration {
        let text = Setting.value(flag, env: env, default: fallback)
        guard let duration = DurationText.parse(text), duration > .zero else {
            throw ConfigError(setting: env, expected: "a duration such as 15s, 2m or 1h", got: text)
        }
        return duration
    }
}
