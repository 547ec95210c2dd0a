import ArgumentParser
import FleetCore
import FleetProto
import FleetSettings
import Foundation
import GRPCCore
import SwiftProtobuf

struct Rules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Alert rules in the config service: create, list, get, update, delete, watch.",
        discussion: "Exit codes: 0 done, 2 not found, 3 version conflict, 4 admin token missing or wrong, "
            + "65 invalid rule, 69 config service unreachable, 64 bad usage, 1 anything else.",
        subcommands: [Create.self, List.self, Get.self, Update.self, Delete.self, Watch.self])

    /// The fields a rule is made of, shared by create and update.
    struct RuleFields: ParsableArguments {
        @Option(help: "Name shown in alerts.") var name: String?
        @Option(help: "Metric name, e.g. cpu.usage_percent.") var metric: String?
        @Option(name: .customLong("op"), help: "Comparator: \(Self.comparators).") var comparator: String?
        @Option(help: "Threshold value.") var threshold: Double?
        @Option(help: "Resolve only once the value is back past this (hysteresis).") var resolve: Double?
        @Option(name: .customLong("for"), help: "How long the breach must last before firing, e.g. 15s, 5m.") var forDuration: String?
        @Option(help: "No-data rule: fire when a matching machine is silent this long, e.g. 60s (instead of --metric).")
        var noData: String?
        @Option(name: .customLong("match"), help: "Label matcher name=value (machine=<id> for one machine); repeatable.")
        var matchers: [String] = []
        @Option(help: "info, warning or critical.") var severity: String?
        @Option(help: "Notification text; {{machine}} {{hostname}} {{value}} {{threshold}} {{labels}}.") var description: String?

        func apply(to rule: inout Fleetwatch_V1_Rule) throws {
            if let name { rule.name = name }
            if let metric {
                rule.metric = metric
                rule.noDataSeconds = 0
            }
            if let comparator {
                rule.comparator = try Self.comparator(comparator)
            }
            if let threshold { rule.threshold = threshold }
            if let resolve { rule.resolveThreshold = resolve }
            if let forDuration { rule.forSeconds = try DurationFlag.seconds(forDuration, flag: "--for") }
            if let noData {
                rule.noDataSeconds = try DurationFlag.seconds(noData, flag: "--no-data")
                rule.metric = ""
            }
            if !matchers.isEmpty {
                rule.matchers = [:]
                for matcher in matchers {
                    guard let equals = matcher.firstIndex(of: "="), equals != matcher.startIndex else {
                        throw ValidationError("--match must be name=value (got '\(matcher)')")
                    }
                    rule.matchers[String(matcher[..<equals])] = String(matcher[matcher.index(after: equals)...])
                }
            }
            if let severity {
                guard let parsed = RuleMapping.severity(named: severity) else {
                    throw ValidationError("--severity must be info, warning or critical (got '\(severity)')")
                }
                rule.severity = parsed
            }
            if let description { rule.description_p = description }
        }

        /// Checked while parsing, so a bad value is reported with this command's usage, before any call.
        func validate() throws {
            if let comparator { _ = try Self.comparator(comparator) }
            if let forDuration { _ = try DurationFlag.seconds(forDuration, flag: "--for") }
            if let noData { _ = try DurationFlag.seconds(noData, flag: "--no-data") }
            if let severity, RuleMapping.severity(named: severity) == nil {
                throw ValidationError("--severity must be info, warning or critical (got '\(severity)')")
            }
        }

        static let comparators = ">, >=, < or <= (also gt, ge, lt, le)"

        static func comparator(_ text: String) throws -> Fleetwatch_V1_Comparator {
            guard let parsed = RuleMapping.comparator(text) else {
                throw ValidationError("--op '\(text)' is not a comparator; valid: \(comparators)")
            }
            return parsed
        }
    }

    /// The admin token rule (and silence) changes need.
    struct AdminOptions: ParsableArguments {
        @Option(help: "Admin token (FLEETWATCH_ADMIN_TOKEN or FLEETWATCH_ADMIN_TOKEN_FILE).") var adminToken: String?

        /// - Parameter what: the writes, as the refusal names them.
        func metadata(for what: String = "rule changes") throws -> Metadata {
            guard let token = try Setting.secret(adminToken, file: nil, env: "FLEETWATCH_ADMIN_TOKEN") else {
                CLIFailure.report("\(what) need the admin token: --admin-token or FLEETWATCH_ADMIN_TOKEN(_FILE)")
                throw ExitCode(CLIExit.code(for: .unauthenticated))
            }
            return ["authorization": "Bearer \(token)"]
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Creates a rule, e.g. --name 'cpu high' --metric cpu.usage_percent --op '>' --threshold 80 --for 15s --match cpu=total")
        @OptionGroup var fields: RuleFields
        @OptionGroup var admin: AdminOptions
        @OptionGroup var client: ClientOptions

        func run() async throws {
            var rule = Fleetwatch_V1_Rule()
            try fields.apply(to: &rule)
            let metadata = try admin.metadata()
            let created = try await client.withClient { [rule] grpc in
                try await Fleetwatch_V1_Rules.Client(wrapping: grpc).create(.with { $0.rule = rule }, metadata: metadata)
            }
            try RulePrinter.print([created], output: client.output, single: true)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists every rule.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let rules = try await client.withClient { try await Fleetwatch_V1_Rules.Client(wrapping: $0).list(.init()).rules }
            try RulePrinter.print(rules, output: client.output, single: false)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one rule.")
        @Argument(help: "Rule id.") var id: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let rule = try await client.withClient { [id] in
                try await Fleetwatch_V1_Rules.Client(wrapping: $0).get(.with { $0.id = id })
            }
            try RulePrinter.print([rule], output: client.output, single: true)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Changes the given fields of a rule; --version guards against overwriting someone else's change.")
        @Argument(help: "Rule id.") var id: String
        @Option(name: .customLong("rule-version"), help: "The version you read (default: the current one).") var version: Int64?
        @Flag(help: "Turn the rule on.") var enable = false
        @Flag(help: "Turn the rule off (it stays, but no longer fires).") var disable = false

        func validate() throws {
            if enable && disable { throw ValidationError("--enable and --disable exclude each other") }
        }
        @OptionGroup var fields: RuleFields
        @OptionGroup var admin: AdminOptions
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let metadata = try admin.metadata()
            let enabled: Bool? = enable ? true : disable ? false : nil
            let updated = try await client.withClient { [id, version, enabled, fields] grpc in
                let rules = Fleetwatch_V1_Rules.Client(wrapping: grpc)
                var rule = try await rules.get(.with { $0.id = id })
                if let version { rule.version = version }
                try fields.apply(to: &rule)
                if let enabled { rule.enabled = enabled }
                return try await rules.update(.with { $0.rule = rule }, metadata: metadata)
            }
            try RulePrinter.print([updated], output: client.output, single: true)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deletes a rule.")
        @Argument(help: "Rule id.") var id: String
        @Option(name: .customLong("rule-version"), help: "Delete only if the rule is still at this version.") var version: Int64 = 0
        @OptionGroup var admin: AdminOptions
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let metadata = try admin.metadata()
            _ = try await client.withClient { [id, version] in
                try await Fleetwatch_V1_Rules.Client(wrapping: $0).delete(
                    .with {
                        $0.id = id
                        $0.version = version
                    }, metadata: metadata)
            }
            print("deleted \(id)")
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints every rule, then every change as it happens.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let json = client.output == .json
            try await client.withStreamingClient { grpc in
                try await Fleetwatch_V1_Rules.Client(wrapping: grpc).watchRules(.init()) { response in
                    for try await change in response.messages {
                        let line =
                            json
                            ? try JSONOutput.line(RuleChangeJSON(kind: RulePrinter.kind(change.kind), rule: RuleJSON(change.rule)))
                            : "\(RulePrinter.kind(change.kind))  \(RulePrinter.summary(change.rule))"
                        FileHandle.standardOutput.write(Data((line + "\n").utf8))
                    }
                }
            }
        }
    }
}

enum RulePrinter {
    static func print(_ rules: [Fleetwatch_V1_Rule], output: ClientOptions.OutputFormat, single: Bool) throws {
        switch output {
        case .json:
            if single, let rule = rules.first {
                try JSONOutput.print(RuleJSON(rule))
            } else {
                try JSONOutput.print(RuleListJSON(rules: rules.map(RuleJSON.init)))
            }
        case .table:
            var table = TextTable(header: ["ID", "NAME", "CONDITION", "FOR", "MATCH", "SEVERITY", "ENABLED", "VERSION"])
            for rule in rules {
                table.rows.append([
                    rule.id, rule.name, condition(rule), "\(rule.forSeconds)s",
                    rule.matchers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                    RuleMapping.severityName(rule.severity), rule.enabled ? "yes" : "no", String(rule.version),
                ])
            }
            Swift.print(table.render())
            if rules.isEmpty { Swift.print("(no rules yet: fleetwatch rules create --help)") }
        }
    }

    static func condition(_ rule: Fleetwatch_V1_Rule) -> String {
        if rule.noDataSeconds > 0 { return "no data for \(rule.noDataSeconds)s" }
        let resolve = rule.hasResolveThreshold ? " (resolve \(rule.resolveThreshold))" : ""
        return "\(rule.metric) \(RuleMapping.symbol(rule.comparator)) \(rule.threshold)\(resolve)"
    }

    static func summary(_ rule: Fleetwatch_V1_Rule) -> String {
        "\(rule.id)  \(rule.name)  \(condition(rule))  v\(rule.version)"
    }

    static func kind(_ kind: Fleetwatch_V1_RuleChange.Kind) -> String {
        switch kind {
        case .created: "created"
        case .updated: "updated"
        case .deleted: "deleted"
        default: "changed"
        }
    }
}
