import ArgumentParser
import FleetBus

struct BrokerDefinitions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker-definitions",
        abstract: "Prints the RabbitMQ definitions of the Fleetwatch topology (broker/definitions.json is this output).")

    @Option(help: "Alert partitions fleet.alert.p0…pN-1 to include (the evaluators' --partitions).")
    var partitions = 4

    func validate() throws {
        guard (1...256).contains(partitions) else { throw ValidationError("--partitions must be 1…256") }
    }

    func run() {
        print((Topology.pipeline + .alerts(partitions: partitions) + .notify).rabbitMQDefinitions(), terminator: "")
    }
}
