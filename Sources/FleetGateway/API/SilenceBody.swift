import FleetCore
import FleetProto
import FleetStore

/// A new silence as POST /api/v1/silences accepts it (docs/api.md, "Silences"): `matchers` as text
/// (`"machine=web-1"`) or objects (`{"name", "op", "value"}`), `starts_at_ms` (default now), the end as
/// `ends_at_ms` or `duration` (`2h`; one of the two), `created_by` and `comment`.
struct SilenceBody: Decodable {
    var matchers: [MatcherItem]?
    var startsAtMs: Int64?
    var endsAtMs: Int64?
    var duration: String?
    var createdBy: String?
    var comment: String?

    enum CodingKeys: String, CodingKey {
        case matchers
        case startsAtMs = "starts_at_ms"
        case endsAtMs = "ends_at_ms"
        case duration
        case createdBy = "created_by"
        case comment
    }

    /// One matcher, written either way.
    enum MatcherItem: Decodable {
        case text(String)
        case object(name: String, op: String, value: String)

        private enum Keys: String, CodingKey { case name, op, value }

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                self = .text(text)
                return
            }
            let container = try decoder.container(keyedBy: Keys.self)
            self = .object(
                name: try container.decode(String.self, forKey: .name), op: try container.decode(String.self, forKey: .op),
                value: try container.decodeIfPresent(String.self, forKey: .value) ?? "")
        }
    }

    /// The wire silence; a matcher, `duration` or a missing end are a 400 naming the field. The config service
    /// checks the rest (`Silence.problems()`).
    func silence(now: Int64) throws(APIError) -> Fleetwatch_V1_Silence {
        var silence = Fleetwatch_V1_Silence()
        for (index, item) in (matchers ?? []).enumerated() {
            do throws(ValidationError) {
                switch item {
                case .text(let text):
                    silence.matchers.append(try SilenceMapping.matcher(parsing: text))
                case .object(let name, let op, let value):
                    guard let parsed = LabelMatcher.Operator(rawValue: op) else {
                        throw ValidationError("matcher", "op must be =, !=, =~ or !~ (got '\(op)')")
                    }
                    silence.matchers.append(.with {
                        $0.name = name
                        $0.op = SilenceMapping.op(parsed)
                        $0.value = value
                    })
                }
            } catch {
                throw .badParameter("matchers", "matchers[\(index)]: \(error.reason)")
            }
        }
        let start = startsAtMs ?? now
        silence.startsAtMs = start
        switch (endsAtMs, duration) {
        case (.some, .some):
            throw .badParameter("duration", "give ends_at_ms or duration, not both")
        case (.some(let end), nil):
            silence.endsAtMs = end
        case (nil, .some(let text)):
            guard let length = DurationText.parse(text, requiringUnit: true), length > .zero else {
                throw .badParameter("duration", "duration must be a length with a unit such as 30m, 2h or 1d (got '\(text)')")
            }
            silence.endsAtMs = start + length.wholeMilliseconds
        case (nil, nil):
            throw .badParameter("ends_at_ms", "a silence needs an end: ends_at_ms, or duration such as 2h")
        }
        silence.createdBy = createdBy ?? ""
        silence.comment = comment ?? ""
        return silence
    }
}
