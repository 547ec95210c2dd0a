/// Why a batch or sample was refused: the field at fault and what was wrong with it.
public struct ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }

    /// The field without its indices (`samples[].timestamp_ms` for `samples[17].timestamp_ms`): what a consumer
    /// keys on to log a kind of problem once, however many entries of a batch have it.
    public var fieldKind: String {
        var kind = ""
        var inIndex = false
        for character in field {
            switch character {
            case "[": inIndex = true; kind.append(character)
            case "]": inIndex = false; kind.append(character)
            default: if !inIndex { kind.append(character) }
            }
        }
        return kind
    }
}
