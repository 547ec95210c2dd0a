import ArgumentParser
import FleetProto
import Foundation

extension Machines {
    /// `fleetwatch machines retire <id>`: the config service's RetireMachine with the admin token.
    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retires a machine: it leaves the fleet and its open alerts end; its history stays, and it "
                + "rejoins by itself if it reports again.")
        @Argument(help: "Machine id.") var id: String
        @OptionGroup var admin: Rules.AdminOptions
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let metadata = try admin.metadata()
            let response = try await client.withClient { [id] grpc in
                try await Fleetwatch_V1_FleetQuery.Client(wrapping: grpc).retireMachine(
                    .with { $0.machineID = id }, metadata: metadata)
            }
            switch client.output {
            case .json:
                try JSONOutput.print(RetiredJSON(machineID: id, retiredMs: response.retiredMs, alertsResolved: Int(response.alertsResolved)))
            case .table:
                print("retired \(id) (\(response.alertsResolved) open alert\(response.alertsResolved == 1 ? "" : "s") resolved)")
            }
        }
    }

    struct RetiredJSON: Encodable {
        var machineID: String
        var retiredMs: Int64
        var alertsResolved: Int

        enum CodingKeys: String, CodingKey {
            case machineID = "machine_id"
            case retiredMs = "retired_ms"
            case alertsResolved = "alerts_resolved"
        }
    }
}
