import FleetCore
import Foundation

/// What `--output json` prints: REST's shapes (FleetCore's `RuleJSON`, `AlertJSON`, `MachineJSON`), one document
/// per command, keys sorted so the output diffs well.
enum JSONOutput {
    static func print(_ value: some Encodable) throws {
        Swift.print(try line(value, pretty: true))
    }

    /// One compact line: streams (`rules watch`, `tail`) write one document per line.
    static func line(_ value: some Encodable, pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// `{"rules": [...]}`, as `GET /api/v1/rules` answers.
struct RuleListJSON: Encodable {
    var rules: [RuleJSON]
}

/// `{"alerts": [...]}`, as `GET /api/v1/alerts` answers.
struct AlertListJSON: Encodable {
    var alerts: [AlertJSON]
}

/// `{"now_ms": …, "machines": [...]}`, as `GET /api/v1/machines` answers (without the thresholds, which the
/// config service does not send).
struct MachineListJSON: Encodable {
    var nowMs: Int64
    var machines: [MachineJSON]

    enum CodingKeys: String, CodingKey {
        case nowMs = "now_ms"
        case machines
    }
}

/// A line of `rules watch --output json`: `{"kind": "created", "rule": {…}}`.
struct RuleChangeJSON: Encodable {
    var kind: String
    var rule: RuleJSON
}
