import ArgumentParser
import Dispatch
import FleetCollector
import FleetLogging
import FleetSettings
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The portable collector: copy this one file to a Linux machine and run it. Collector only — no
/// broker or database code inside — with the Swift runtime linked in.
@main
struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleetwatch-agent",
        abstract: "Fleetwatch collector: reads /proc and /sys, buffers on disk, streams to the ingest edge.",
        discussion:
            "Settings also come from the FLEETWATCH_* variables named in each flag's help (the flag wins). Stops cleanly on SIGTERM or SIGINT.",
        version: FleetwatchVersion.current
    )

    @OptionGroup var collector: CollectorOptions

    /// `error: …` in lowercase, as `fleetwatch` writes it.
    static var _errorPrefix: String { "error: " }

    @Option(help: "trace, debug, info, notice, warning, error or critical (FLEETWATCH_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        let level = try Logger.Level.fromSetting(logLevel)
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, service: "agent", level: level) }
        guard let executor = AgentFootprint.apply() else {
            throw ValidationError("FLEETWATCH_EXECUTOR must be event-loops (the default) or dispatch")
        }
        let agent = try CollectorAgent(
            configuration: try collector.configuration(), logger: Logger(label: "fleetwatch.agent"))
        let work = Task(executorPreference: executor) { try await agent.run(on: executor) }
        let signals = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler { work.cancel() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        do {
            try await work.value
        } catch is CancellationError {}
    }
}
