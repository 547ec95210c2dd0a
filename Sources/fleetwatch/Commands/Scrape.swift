import ArgumentParser
import FleetCollector
import FleetRuntime
import FleetSettings
import Logging
import ServiceLifecycle

struct Scrape: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A collector for a machine that runs Prometheus node_exporter: scrapes it every interval, maps its "
            + "families onto Fleetwatch's metric names and streams the batches to the ingest edge.")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var collector: CollectorOptions

    @Option(help: "The exporter's metrics URL, plain HTTP (FLEETWATCH_SCRAPE_URL, default http://127.0.0.1:9100/metrics).")
    var url: String?

    @Option(help: "Seconds one scrape may take, 1...60 (FLEETWATCH_SCRAPE_TIMEOUT, default 10).")
    var scrapeTimeout: Int?

    func run() async throws {
        let registry = Observability.bootstrap(service: "scrape", level: try service.level())
        let logger = Logger(label: "fleetwatch.scrape")
        let target = try ScrapeTarget(
            url: Setting.value(url, env: "FLEETWATCH_SCRAPE_URL", default: "http://127.0.0.1:9100/metrics"))
        let timeout = try Setting.integer(
            Setting.value(scrapeTimeout.map(String.init), env: "FLEETWATCH_SCRAPE_TIMEOUT", default: "10"),
            setting: "FLEETWATCH_SCRAPE_TIMEOUT", in: 1...60)
        let agent = try ScrapeAgent(
            configuration: try collector.configuration(),
            fetcher: HTTPExpositionFetcher(target: target, timeout: .seconds(timeout)), logger: logger)
        try await runServices(
            [WorkerService { try await agent.run() }],
            health: HealthServer(
                address: try service.health(default: Defaults.scrapeHealth), readiness: Readiness(), registry: registry,
                logger: logger),
            logger: logger)
    }
}
