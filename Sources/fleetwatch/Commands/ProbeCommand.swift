import ArgumentParser
import FleetCollector
import FleetCore
import FleetProbe
import FleetRuntime
import FleetSettings
import Foundation
import Logging
import Metrics

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Synthetic transactions: sends marked batches to the edge and times every hop up to a gateway's WebSocket.",
        discussion: """
            Each probe batch is followed through edge_ack (the edge confirmed it), normalized, persisted, evaluated \
            (an alert evaluator ran the rules over it) and websocket (a gateway delivered it); latencies are measured \
            from the moment of sending. With --report it sends --count probes, prints the percentiles per hop and \
            exits 1 if any probe missed a hop. Without it, it keeps probing and serves the histograms \
            (fleetwatch_probe_hop_seconds{hop}) on /metrics.
            """)

    @Option(help: "Ingest edge (FLEETWATCH_INGEST_URL, default \(Defaults.ingestURL)).") var ingestURL: String?
    @Option(help: "Collector token (FLEETWATCH_TOKEN).") var token: String?
    @Option(help: "File whose first line is the collector token (FLEETWATCH_TOKEN_FILE).") var tokenFile: String?
    @Option(
        help:
            "Gateway whose WebSocket is followed, http:// or https:// by host name (FLEETWATCH_GATEWAY_URL, default http://\(Defaults.httpAddress))."
    )
    var gatewayURL: String?
    @Option(help: "Viewer token of a gateway that needs one (FLEETWATCH_VIEWER_TOKEN).") var viewerToken: String?
    @Option(help: "File whose first line is the viewer token (FLEETWATCH_VIEWER_TOKEN_FILE).") var viewerTokenFile: String?
    @Option(help: "Names the probe machine probe-<name>.") var name = "synthetic"
    @Option(help: "Time between probes, e.g. 1s, 500ms.") var interval = "1s"
    @Option(help: "Time after which a probe that missed a hop counts as lost there, e.g. 10s.") var timeout = "10s"
    @Option(help: "Probes to send (default: 30 with --report, otherwise until stopped).") var count: Int?
    @Flag(help: "Send --count probes, print the latency of every hop and exit.") var report = false
    @Option(help: "table or json (with --report).") var output: ClientOptions.OutputFormat = .table
    @Flag(help: "Do not wait for the alert evaluator's echo (a deployment without alerts).") var withoutAlerts = false
    @OptionGroup var service: ServiceOptions
    @OptionGroup var tls: ClientTLSOptions

    func validate() throws {
        if let count, !(1...1_000_000).contains(count) { throw ValidationError("--count must be 1…1000000") }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), (1...64).contains(name.count) else {
            throw ValidationError("--name must be 1-64 letters, digits, '-' or '_'")
        }
    }

    func run() async throws {
        let interval = try DurationFlag.parseAllowingSeconds(
            self.interval, flag: "--interval", in: .milliseconds(10)...(.seconds(3600)))
        let timeout = try DurationFlag.parseAllowingSeconds(
            self.timeout, flag: "--timeout", in: .milliseconds(100)...(.seconds(3600)))
        guard let token = try Setting.secret(token, file: tokenFile, env: "FLEETWATCH_TOKEN") else {
            throw ConfigError(setting: "FLEETWATCH_TOKEN", expected: "the collector token the edge accepts", got: "")
        }
        let gatewayText = Setting.value(gatewayURL, env: "FLEETWATCH_GATEWAY_URL", default: "http://\(Defaults.httpAddress)")
        guard let gateway = URL(string: gatewayText), ["http", "https"].contains(gateway.scheme ?? ""), gateway.host != nil else {
            throw ConfigError(setting: "FLEETWATCH_GATEWAY_URL", expected: "http://host:port", got: gatewayText)
        }
        if gateway.scheme == "https", let host = gateway.host,
            host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." })
        {
            // The WebSocket client sends the host as the TLS server name, which cannot be an IP address.
            throw ConfigError(
                setting: "FLEETWATCH_GATEWAY_URL", expected: "an https URL with a host name its certificate names (not an IP)",
                got: gatewayText)
        }
        var configuration = ProbeRunner.Configuration(
            edge: try tls.apply(
                to: IngestEndpoint(url: Setting.value(ingestURL, env: "FLEETWATCH_INGEST_URL", default: Defaults.ingestURL))),
            token: token, gateway: gateway, name: name, interval: interval,
            count: count ?? (report ? 30 : nil), timeout: timeout,
            hops: ProbeHop.allCases.filter { !withoutAlerts || $0 != .evaluated })
        configuration.viewerToken = try Setting.secret(viewerToken, file: viewerTokenFile, env: "FLEETWATCH_VIEWER_TOKEN")?
            .split(separator: ",").first.map(String.init)
        configuration.gatewayTrust = configuration.edge.trust
        if report {
            try await runReport(configuration)
        } else {
            try await runService(configuration)
        }
    }

    /// A finite measurement: progress on standard error, the report on standard output.
    private func runReport(_ configuration: ProbeRunner.Configuration) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let runner = ProbeRunner(configuration, logger: Logger(label: "fleetwatch.probe"), now: currentTimeMillis)
        FileHandle.standardError.write(
            Data("probe: \(configuration.count ?? 0) probes every \(DurationText.format(configuration.interval)) as \(configuration.machineID), via \(configuration.gateway)\n".utf8))
        let result = try await runner.run()
        if output == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.table)
        }
        if result.lostTotal > 0 { throw ExitCode(1) }
    }

    /// Continuous probing with health and metrics, until SIGTERM.
    private func runService(_ configuration: ProbeRunner.Configuration) async throws {
        let registry = Observability.bootstrap(service: "probe", level: try service.level())
        let logger = Logger(label: "fleetwatch.probe")
        let runner = ProbeRunner(configuration, logger: logger, now: currentTimeMillis)
        // Ready while probes get through: one passed every hop within the last timeout plus two intervals.
        let readiness = Readiness(["probes"])
        let interruptions = Counter(label: "fleetwatch_probe_interruptions_total")
        interruptions.increment(by: 0)
        let freshMs = Int64((configuration.timeout + configuration.interval * 2) / .milliseconds(1))
        try await runServices(
            [
                WorkerService {
                    await ContinuousProbe(runner: runner, logger: logger, onInterruption: { interruptions.increment() }).run()
                },
                WorkerService {
                    while !Task.isCancelled {
                        readiness.set("probes", runner.completed(since: currentTimeMillis() - freshMs))
                        try await Task.sleep(for: .seconds(1))
                    }
                },
            ],
            health: HealthServer(
                address: try service.health(default: Defaults.probeHealth), readiness: readiness, registry: registry,
                logger: logger),
            logger: logger)
        logger.info("probe summary", metadata: ["report": "\(runner.report().table)"])
    }
}
