import FleetCore
import Foundation

/// A silence's matchers as the stores keep them: one JSON text column,
/// `[{"name":"machine","op":"=","value":"web-1"}, …]`.
public enum SilenceMatchersCodec {
    private struct Stored: Codable {
        var name: String
        var op: LabelMatcher.Operator
        var value: String
    }

    public static func encode(_ matchers: [LabelMatcher]) throws -> String {
        let data = try JSONEncoder().encode(matchers.map { Stored(name: $0.name, op: $0.op, value: $0.value) })
        return String(decoding: data, as: UTF8.self)
    }

    /// Throws when the text is not what `encode` wrote, or a matcher no longer validates.
    public static func decode(_ text: String) throws -> [LabelMatcher] {
        try JSONDecoder().decode([Stored].self, from: Data(text.utf8)).map {
            try LabelMatcher(name: $0.name, op: $0.op, value: $0.value)
        }
    }
}
