import ArgumentParser
import FleetCore
import FleetProto
import FleetStore
import Foundation
import GRPCCore

struct Silences: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Silences and maintenance windows: add, list, expire. A silence stops notifications, not evaluation.",
        discussion: "Exit codes: 0 done, 2 not found, 4 admin token missing or wrong, 65 invalid silence, "
            + "69 config service unreachable, 64 bad usage, 1 anything else.",
        subcommands: [Add.self, List.self, Expire.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Silences the alerts every --match selects, e.g. --match machine=web-1 --for 2h --comment 'kernel update'.",
            discussion: "Matchers: name=value, name!=value, name=~regex, name!~regex (anchored) on the alert's series "
                + "labels and machine, hostname, rule, rule_id, severity. A later --starts-at makes a maintenance window.")
        @Option(name: .customLong("match"), help: "Label matcher, e.g. machine=web-1 or severity=~warning|critical; repeatable, at least one.")
        var matchers: [String] = []
        @Option(help: "Start, RFC 3339 (e.g. 2026-12-24T22:00:00Z); default now.") var startsAt: String?
        @Option(name: .customLong("for"), help: "How long it lasts, with a unit: 30m, 2h, 1d.") var forDuration: String?
        @Option(help: "End, RFC 3339 (instead of --for).") var until: String?
        @Option(help: "Why (shown with the silence).") var comment: String = ""
        @Option(help: "Who silenced it (default $USER).") var createdBy: String?
        @OptionGroup var admin: Rules.AdminOptions
        @OptionGroup var client: ClientOptions

        func validate() throws {
            guard !matchers.isEmpty else { throw ValidationError("at least one --match is required, e.g. --match machine=web-1") }
            for text in matchers { _ = try Self.matcher(text) }
            switch (forDuration, until) {
            case (nil, nil): throw ValidationError("give how long: --for 2h, or --until <RFC 3339 time>")
            case (.some, .some): throw ValidationError("--for and --until exclude each other")
            case (.some(let text), nil): _ = try DurationFlag.parse(text, flag: "--for", positive: true)
            case (nil, .some(let text)): _ = try Self.time(text, flag: "--until")
            }
            if let startsAt { _ = try Self.time(startsAt, flag: "--starts-at") }
        }

        func run() async throws {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var silence = Fleetwatch_V1_Silence()
            silence.matchers = try matchers.map(Self.matcher)
            silence.startsAtMs = try startsAt.map { try Self.time($0, flag: "--starts-at") } ?? now
            if let forDuration {
                let length = try DurationFlag.parse(forDuration, flag: "--for", positive: true)
                silence.endsAtMs = silence.startsAtMs + length.wholeMilliseconds
            } else if let until {
                silence.endsAtMs = try Self.time(until, flag: "--until")
            }
            silence.createdBy = createdBy ?? ProcessInfo.processInfo.environment["USER"] ?? ""
            silence.comment = comment
            let metadata = try admin.metadata(for: "silence changes")
            let created = try await client.withClient { [silence] grpc in
                try await Fleetwatch_V1_Silences.Client(wrapping: grpc).create(.with { $0.silence = silence }, metadata: metadata)
            }
            try SilencePrinter.print([created], output: client.output, single: true)
        }

        static func matcher(_ text: String) throws -> Fleetwatch_V1_Matcher {
            do {
                return try SilenceMapping.matcher(parsing: text)
            } catch {
                throw ValidationError("--match '\(text)': \(error.reason)")
            }
        }

        /// Milliseconds since 1970 of an RFC 3339 time (with or without fractional seconds).
        static func time(_ text: String, flag: String) throws -> Int64 {
            let plain = ISO8601DateFormatter()
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = plain.date(from: text) ?? fractional.date(from: text) else {
                throw ValidationError("\(flag) must be an RFC 3339 time such as 2026-12-24T22:00:00Z (got '\(text)')")
            }
            return Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists silences, newest first (expired ones too, for 7 days).")
        @Option(help: "Only these states, comma-separated: active, pending, expired.") var state: String?
        @OptionGroup var client: ClientOptions

        func validate() throws { _ = try states() }

        func states() throws -> [Fleetwatch_V1_SilenceState] {
            try (state ?? "").split(separator: ",").map { name in
                guard let parsed = SilenceMapping.state(named: String(name)) else {
                    throw ValidationError("--state takes active, pending or expired (got '\(name)')")
                }
                return parsed
            }
        }

        func run() async throws {
            let states = try states()
            let silences = try await client.withClient { [states] in
                try await Fleetwatch_V1_Silences.Client(wrapping: $0).list(.with { $0.states = states }).silences
            }
            try SilencePrinter.print(silences, output: client.output, single: false)
        }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ends a silence now (a pending one never starts); it stays listed as expired.")
        @Argument(help: "Silence id (from silences list).") var id: String
        @OptionGroup var admin: Rules.AdminOptions
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let metadata = try admin.metadata(for: "silence changes")
            let expired = try await client.withClient { [id] in
                try await Fleetwatch_V1_Silences.Client(wrapping: $0).expire(.with { $0.id = id }, metadata: metadata)
            }
            try SilencePrinter.print([expired], output: client.output, single: true)
        }
    }
}

enum SilencePrinter {
    static func print(_ silences: [Fleetwatch_V1_Silence], output: ClientOptions.OutputFormat, single: Bool) throws {
        switch output {
        case .json:
            if single, let silence = silences.first {
                try JSONOutput.print(SilenceJSON(silence))
            } else {
                try JSONOutput.print(SilenceListJSON(silences))
            }
        case .table:
            var table = TextTable(header: ["ID", "STATE", "MATCHERS", "STARTS", "ENDS", "CREATED BY", "COMMENT"])
            for silence in silences {
                table.rows.append([
                    silence.id, SilenceMapping.stateName(silence.state),
                    silence.matchers.map(SilenceMapping.text).joined(separator: ","), Tail.time(silence.startsAtMs),
                    Tail.time(silence.endsAtMs), silence.createdBy, silence.comment,
                ])
            }
            Swift.print(table.render())
            if silences.isEmpty { Swift.print("(no silences: fleetwatch silences add --help)") }
        }
    }
}
