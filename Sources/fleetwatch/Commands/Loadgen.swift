import ArgumentParser
import FleetCore
import FleetLoadgen
import FleetRuntime
import FleetSettings
import Foundation
import GRPCCore

struct Loadgen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulates N collectors over real gRPC against an ingest edge on this machine (benchmarks, soak tests).")

    @Option(help: "Simulated machines (1...100000).") var machines = 100
    @Option(help: "Time between batches of one machine, e.g. 1s, 500ms.") var interval = "1s"
    @Option(help: "How long to run, e.g. 30s, 10m; the run stops by itself.") var duration = "30s"
    @Option(help: "Ingest edge, http:// or https:// (FLEETWATCH_INGEST_URL, default \(Defaults.ingestURL)); loopback only.")
    var ingestURL: String?
    @Option(help: "Collector token (FLEETWATCH_TOKEN).") var token: String?
    @Option(help: "File whose first line is the collector token (FLEETWATCH_TOKEN_FILE).") var tokenFile: String?
    @Option(help: "Seed of the simulated values.") var seed: UInt64 = 1
    @Option(help: "Unacked batches per machine before its ticks are deferred, as a collector's outbox would (1...1000).")
    var maxInFlight = 1
    @Option(help: "table (default) or json: how the final report is printed.") var output: ClientOptions.OutputFormat = .table
    @Flag(help: .hidden) var json = false  // Deprecated spelling of --output json, kept for old scripts.
    @OptionGroup var tls: ClientTLSOptions

    func run() async throws {
        // host:port without a scheme is plaintext, as before https:// edges existed.
        let url = Setting.value(ingestURL, env: "FLEETWATCH_INGEST_URL", default: Defaults.ingestURL)
        let target = try GRPCEndpoint(url: url.contains("://") ? url : "http://" + url)
        let trust = try tls.load()
        guard let token = try Setting.secret(token, file: tokenFile, env: "FLEETWATCH_TOKEN") else {
            throw ConfigError(setting: "FLEETWATCH_TOKEN", expected: "the collector token the edge accepts", got: "")
        }
        let interval = try DurationFlag.parseAllowingSeconds(
            self.interval, flag: "--interval", in: .milliseconds(10)...(.seconds(3600)))
        let duration = try DurationFlag.parseAllowingSeconds(
            self.duration, flag: "--duration", in: .milliseconds(100)...(.seconds(7 * 86_400)))
        var configuration = LoadGenerator.Configuration(
            host: target.host, port: target.port, token: token, machines: machines, interval: interval,
            duration: duration)
        configuration.seed = seed
        if target.usesTLS { configuration.transportSecurity = trust.grpcSecurity }
        guard (1...1000).contains(maxInFlight) else {
            throw ValidationError("--max-in-flight: expected 1...1000, got \(maxInFlight)")
        }
        configuration.maxInFlight = maxInFlight
        let generator = try LoadGenerator(configuration, now: currentTimeMillis)
        FileHandle.standardError.write(
            Data("loadgen: \(machines) machines every \(DurationText.format(interval)) for \(DurationText.format(duration)) against \(url)\n".utf8))
        let report: LoadReport
        do {
            report = try await generator.run { progress in
                FileHandle.standardError.write(Data("loadgen: \(progress)\n".utf8))
            }
        } catch let error as RPCError {
            CLIFailure.report(
                "the edge at \(target.host):\(target.port) refused or failed: "
                    + TLSMismatchHint.annotate("\(error)", usesTLS: target.usesTLS, urlSetting: "FLEETWATCH_INGEST_URL"))
            throw ExitCode(CLIExit.code(for: error.code))
        }
        if json || output == .json {
            print(
                "{\"batches_sent\": \(report.batchesSent), \"batches_acked\": \(report.batchesAcked), \"readings_sent\": \(report.samplesSent), "
                    + "\"ticks_deferred\": \(report.ticksDeferred), "
                    + "\"batches_per_second\": \(report.batchesPerSecond), \"readings_per_second\": \(report.readingsPerSecond), "
                    + "\"ack_p50_ms\": \(report.ackLatencyP50), \"ack_p99_ms\": \(report.ackLatencyP99)}")
        } else {
            print("loadgen: \(report)")
        }
        if report.batchesAcked < report.batchesSent {
            throw ValidationError("\(report.batchesSent - report.batchesAcked) batches were not acked")
        }
    }
}
