import ArgumentParser
import FleetBus

struct BrokerDefinitions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker-definitions",
        abstract: "Prints the RabbitMQ definitions of the Fleetwatch topology (broker/definitions.json is this output).")

    func run() {
        print(Topology.pipeline.rabbitMQDefinitions(), terminator: "")
    }
}
