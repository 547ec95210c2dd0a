import ArgumentParser
import FleetCore
import FleetProto
import Foundation
import GRPCCore
import SwiftProtobuf

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Alerts as the evaluators recorded them: list and get (with transition history).",
        discussion: "Exit codes: 0 done, 2 not found, 69 config service unreachable, 64 bad usage, 1 anything else.",
        subcommands: [List.self, Get.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists alerts, newest change first.")
        @Option(help: "Only these states, comma-separated: pending, firing, resolved, inactive.") var status: String?
        @Option(help: "Only this machine id.") var machine: String?
        @Option(help: "Only this rule id.") var rule: String?
        @Option(help: "Only alerts changed within this long, e.g. 1h.") var since: String?
        @Option(help: "At most this many (default 100, at most 1000).") var limit: Int32 = 100
        @OptionGroup var client: ClientOptions

        func run() async throws {
            var request = Fleetwatch_V1_ListAlertsRequest()
            request.limit = limit
            if let machine { request.machineID = machine }
            if let rule { request.ruleID = rule }
            if let since {
                let duration = try DurationFlag.parse(since, flag: "--since")
                request.sinceMs = Int64(Date().timeIntervalSince1970 * 1000) - duration.components.seconds * 1000
            }
            for name in (status ?? "").split(separator: ",") {
                guard let parsed = AlertStatus(rawValue: String(name)) else {
                    throw ValidationError("--status takes pending, firing, resolved or inactive (got '\(name)')")
                }
                request.statuses.append(RuleMapping.status(parsed))
            }
            let alerts = try await client.withClient { [request] in
                try await Fleetwatch_V1_Alerts.Client(wrapping: $0).list(request).alerts
            }
            switch client.output {
            case .json:
                try JSONOutput.print(AlertListJSON(alerts: alerts.map { AlertJSON($0) }))
            case .table:
                var table = TextTable(
                    header: ["STATUS", "SILENCED", "SEVERITY", "RULE", "MACHINE", "LABELS", "VALUE", "SINCE", "UPDATED", "ID"])
                for alert in alerts {
                    table.rows.append([
                        RuleMapping.status(alert.status).rawValue, alert.silencedBy.isEmpty ? "-" : "silenced",
                        RuleMapping.severityName(alert.severity), alert.ruleName,
                        alert.hostname.isEmpty ? alert.machineID : alert.hostname, LabelSet.key(alert.labels),
                        alert.hasValue ? String(format: "%.2f", alert.value) : "-", Tail.time(alert.startedMs),
                        Tail.time(alert.updatedMs), alert.id,
                    ])
                }
                print(table.render())
                if alerts.isEmpty { print("(no alerts)") }
                if alerts.contains(where: { !$0.silencedBy.isEmpty }) {
                    print("(silenced: notifications are held by a silence; fleetwatch silences list --state active)")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one alert and its transitions.")
        @Argument(help: "Alert id (from alerts list).") var id: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let alert = try await client.withClient { [id] in
                try await Fleetwatch_V1_Alerts.Client(wrapping: $0).get(.with { $0.id = id })
            }
            switch client.output {
            case .json:
                try JSONOutput.print(AlertJSON(alert, withHistory: true))
            case .table:
                print("\(alert.ruleName) on \(alert.hostname) (\(alert.machineID)) \(LabelSet.key(alert.labels))")
                print("status \(RuleMapping.status(alert.status).rawValue), severity \(RuleMapping.severityName(alert.severity))")
                if !alert.silencedBy.isEmpty {
                    print("silenced by \(alert.silencedBy.joined(separator: ", ")) (no notifications while it lasts)")
                }
                if !alert.description_p.isEmpty { print(alert.description_p) }
                var table = TextTable(header: ["AT", "FROM", "TO", "VALUE"])
                for step in alert.history {
                    table.rows.append([
                        Tail.time(step.atMs), RuleMapping.status(step.from).rawValue, RuleMapping.status(step.to).rawValue,
                        step.hasValue ? String(format: "%.2f", step.value) : "-",
                    ])
                }
                print(table.render())
            }
        }
    }
}
