import ArgumentParser
import FleetRuntime
import FleetThreads
import Foundation
import FleetSettings

@main
struct Fleetwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleetwatch",
        abstract: "Fleetwatch: real-time monitoring for fleets of Linux machines.",
        discussion:
            "Service settings also come from FLEETWATCH_* environment variables named in each flag's help (the flag wins). "
            + "Errors are one line `error: …` on stderr with a non-zero exit code (docs/cli.md).",
        version: FleetwatchVersion.current,
        subcommands: [
            Collect.self, Ingest.self, Normalize.self, Persist.self, DLQ.self, Loadgen.self, Bench.self,
            BrokerDefinitions.self, Gateway.self, ConfigService.self, Machines.self, Tail.self, Hub.self, Alert.self, Rules.self,
            Alerts.self, Silences.self, Credentials.self,
            ProbeCommand.self, Scrape.self,
        ]
    )

    /// ArgumentParser writes `Error:`; every error of ours is `error:` (CLIFailure), so its own are too.
    static var _errorPrefix: String { "error: " }

    /// Parsing errors keep ArgumentParser's usage hint (of the subcommand at fault); an error thrown while a
    /// command runs is one `error:` line, without the root command's usage, which says nothing about it.
    static func main() async {
        // Before any task starts: which threads run the tasks (docs/operations.md, "Threads").
        guard TaskThreads.install() != nil else {
            CLIFailure.report("FLEETWATCH_EXECUTOR must be event-loops (the default) or dispatch")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            var command = command
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            CLIFailure.exit(error)
        }
    }
}
