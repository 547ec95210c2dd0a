import ArgumentParser

@main
struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fleetwatch-agent", abstract: "The Fleetwatch collector.")
}
