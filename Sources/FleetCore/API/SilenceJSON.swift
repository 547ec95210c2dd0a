import FleetProto

/// A silence in the JSON shape of the REST API (docs/api.md, "Silences"): matchers as
/// `{"name": "machine", "op": "=", "value": "web-1"}`, `state` as `active`. The CLI's `--output json` writes
/// silences this way.
public struct SilenceJSON: Encodable, Sendable {
    public var silence: Fleetwatch_V1_Silence

    public init(_ silence: Fleetwatch_V1_Silence) { self.silence = silence }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(silence.id, forKey: .id)
        try container.encode(silence.matchers.map(Matcher.init), forKey: .matchers)
        try container.encode(silence.startsAtMs, forKey: .startsAtMs)
        try container.encode(silence.endsAtMs, forKey: .endsAtMs)
        try container.encode(silence.createdBy, forKey: .createdBy)
        try container.encode(silence.comment, forKey: .comment)
        try container.encode(silence.createdAtMs, forKey: .createdAtMs)
        try container.encode(silence.updatedAtMs, forKey: .updatedAtMs)
        try container.encode(SilenceMapping.stateName(silence.state), forKey: .state)
    }

    /// One matcher: `op` is `=`, `!=`, `=~` or `!~`.
    struct Matcher: Encodable {
        var name: String
        var op: String
        var value: String

        init(_ wire: Fleetwatch_V1_Matcher) {
            name = wire.name
            op = SilenceMapping.op(wire.op)?.rawValue ?? "?"
            value = wire.value
        }
    }

    /// The field names, also those of the body the REST API accepts for a new silence.
    public enum CodingKeys: String, CodingKey {
        case id, matchers
        case startsAtMs = "starts_at_ms"
        case endsAtMs = "ends_at_ms"
        case createdBy = "created_by"
        case comment
        case createdAtMs = "created_at_ms"
        case updatedAtMs = "updated_at_ms"
        case state
    }
}

/// `{"silences": [...]}`: a list of silences as the REST API and `fleetwatch silences list --output json` write it.
public struct SilenceListJSON: Encodable, Sendable {
    public var silences: [SilenceJSON]

    public init(_ silences: [Fleetwatch_V1_Silence]) { self.silences = silences.map(SilenceJSON.init) }
}
