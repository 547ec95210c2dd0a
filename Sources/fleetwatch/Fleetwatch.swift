import ArgumentParser

@main
struct Fleetwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleetwatch",
        abstract: "Fleetwatch: real-time monitoring for fleets of Linux machines.",
        discussion:
            "Service settings also come from FLEETWATCH_* environment variables named in each flag's help (the flag wins).",
        subcommands: [
            Collect.self, Ingest.self, Normalize.self, Persist.self, DLQ.self, Loadgen.self, Bench.self,
            BrokerDefinitions.self, Gateway.self, ConfigService.self, Machines.self, Tail.self, Hub.self, Alert.self, Rules.self, Alerts.self,
            ProbeCommand.self,
        ]
    )
}
