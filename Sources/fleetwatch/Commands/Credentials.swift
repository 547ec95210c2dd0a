import ArgumentParser
import FleetCore
import FleetProto
import Foundation
import GRPCCore

struct Credentials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per-machine credentials (docs/operations.md \"Machine identity\"): list, revoke, and the audit trail.",
        discussion: "Every subcommand needs the admin token. Exit codes: 0 done, 2 no active credential, "
            + "4 admin token missing or wrong, 69 config service unreachable, 64 bad usage, 1 anything else.",
        subcommands: [List.self, Revoke.self, Events.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists the machines' credentials, newest first: fingerprint, created, last used, revoked.")
        @OptionGroup var admin: Rules.AdminOptions
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let metadata = try admin.metadata(for: "machine credentials")
            let credentials = try await client.withClient {
                try await Fleetwatch_V1_Credentials.Client(wrapping: $0).list(.init(), metadata: metadata).credentials
            }
            switch client.output {
            case .json: try JSONOutput.print(CredentialListJSON(credentials))
            case .table:
                var table = TextTable(header: ["MACHINE", "STATE", "FINGERPRINT", "CREATED", "LAST USED", "REVOKED"])
                for credential in credentials {
                    table.rows.append([
                        credential.machineID, credential.revokedAtMs == 0 ? "active" : "revoked", credential.fingerprint,
                        Tail.time(credential.createdAtMs), Self.time(credential.lastUsedAtMs), Self.time(credential.revokedAtMs),
                    ])
                }
                print(table.render())
                if credentials.isEmpty { print("(no credentials: machines enroll with `fleetwatch collect --join-token …`)") }
            }
        }

        static func time(_ milliseconds: Int64) -> String { milliseconds == 0 ? "-" : Tail.time(milliseconds) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revokes a machine's credential: every edge refuses it within 5 s; the machine may enroll again.")
        @Argument(help: "Machine id.") var machine: String
        @Option(help: "Who revoked it, for the audit trail (default $USER).") var revokedBy: String?
        @OptionGroup var admin: Rules.AdminOptions
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let metadata = try admin.metadata(for: "machine credentials")
            let by = revokedBy ?? ProcessInfo.processInfo.environment["USER"] ?? ""
            let revoked = try await client.withClient { [machine] in
                try await Fleetwatch_V1_Credentials.Client(wrapping: $0).revoke(
                    .with {
                        $0.machineID = machine
                        $0.revokedBy = by
                    }, metadata: metadata)
            }
            switch client.output {
            case .json: try JSONOutput.print(CredentialJSON(revoked))
            case .table: print("revoked the credential of \(revoked.machineID) (fingerprint \(revoked.fingerprint))")
            }
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The audit trail, newest first: enrollments, revocations, refused attempts (counted per minute).")
        @Option(help: "How many events, 1...1000.") var limit: Int = 100
        @OptionGroup var admin: Rules.AdminOptions
        @OptionGroup var client: ClientOptions

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000 (got \(limit))") }
        }

        func run() async throws {
            let metadata = try admin.metadata(for: "machine credentials")
            let events = try await client.withClient { [limit] in
                try await Fleetwatch_V1_Credentials.Client(wrapping: $0).events(
                    .with { $0.limit = Int32(limit) }, metadata: metadata
                ).events
            }
            switch client.output {
            case .json: try JSONOutput.print(CredentialEventListJSON(events))
            case .table:
                var table = TextTable(header: ["LAST", "KIND", "MACHINE", "COUNT", "DETAIL"])
                for event in events {
                    table.rows.append([
                        Tail.time(event.lastAtMs), event.kind, event.machineID.isEmpty ? "-" : event.machineID,
                        "\(event.count)", event.detail,
                    ])
                }
                print(table.render())
                if events.isEmpty { print("(no events)") }
            }
        }
    }
}
