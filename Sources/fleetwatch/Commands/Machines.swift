import ArgumentParser
import FleetCore
import FleetProto
import Foundation
import GRPCCore
import SwiftProtobuf

struct Machines: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The fleet: lists every machine (the default), or retires one.",
        subcommands: [List.self, Retire.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists the fleet: status, CPU, memory, disk, network, load and last seen of every machine.")

        @OptionGroup var client: ClientOptions

        func run() async throws {
            let response = try await client.withClient { client in
                try await Fleetwatch_V1_FleetQuery.Client(wrapping: client).listMachines(.init())
            }
            switch client.output {
            case .json:
                try JSONOutput.print(MachineListJSON(nowMs: response.nowMs, machines: response.machines.map(MachineJSON.init)))
            case .table:
                var table = TextTable(header: ["MACHINE", "HOSTNAME", "STATUS", "CPU%", "MEM%", "DISK%", "NET IN", "NET OUT", "LOAD", "LAST SEEN"])
                for machine in response.machines {
                    let summary = machine.summary
                    table.rows.append([
                        machine.identity.machineID, machine.identity.hostname, machine.status.name,
                        Units.percent(summary.hasCpuPercent ? summary.cpuPercent : nil),
                        Units.percent(summary.hasMemPercent ? summary.memPercent : nil),
                        Units.percent(summary.hasDiskPercent ? summary.diskPercent : nil),
                        Units.rate(summary.hasNetRecvBytesPerS ? summary.netRecvBytesPerS : nil),
                        Units.rate(summary.hasNetSentBytesPerS ? summary.netSentBytesPerS : nil),
                        summary.hasLoad1M ? String(format: "%.2f", summary.load1M) : "-",
                        Units.ago(milliseconds: response.nowMs - machine.lastSeenMs),
                    ])
                }
                print(table.render())
                if response.machines.isEmpty { print("(no machines have reported yet)") }
            }
        }
    }
}

extension Fleetwatch_V1_MachineStatus {
    /// online, stale or offline.
    var name: String {
        switch self {
        case .online: "online"
        case .stale: "stale"
        case .offline: "offline"
        default: "unknown"
        }
    }
}

extension JSONEncodingOptions {
    /// Field names as in the .proto files (snake_case) and 64-bit integers as numbers, like the REST API.
    /// (Fields at their zero value are left out, as the protobuf JSON mapping has it.)
    static var withSnakeCase: JSONEncodingOptions {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        options.alwaysPrintInt64sAsNumbers = true
        return options
    }
}
