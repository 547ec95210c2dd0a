import FleetProto

/// Between the wire silence (fleetwatch.v1.Silence) and the model (`Silence`, `LabelMatcher`), and the names the
/// REST API and the CLI use for states (`pending`, `active`, `expired`).
public enum SilenceMapping {
    /// The wire silence, with its state at `now`.
    public static func message(_ silence: Silence, atMs now: Int64) -> Fleetwatch_V1_Silence {
        .with {
            $0.id = silence.id
            $0.matchers = silence.matchers.map(matcher)
            $0.startsAtMs = silence.startsAtMs
            $0.endsAtMs = silence.endsAtMs
            $0.createdBy = silence.createdBy
            $0.comment = silence.comment
            $0.createdAtMs = silence.createdAtMs
            $0.updatedAtMs = silence.updatedAtMs
            $0.state = state(silence.state(atMs: now))
        }
    }

    /// The model of a wire silence; throws for a matcher without a known operator or one that does not validate,
    /// naming it (`matchers[1]: …`). The silence as a whole is checked by `Silence.problems()`.
    public static func silence(_ message: Fleetwatch_V1_Silence) throws(ValidationError) -> Silence {
        var matchers: [LabelMatcher] = []
        for (index, wire) in message.matchers.enumerated() {
            do {
                matchers.append(try matcher(wire))
            } catch {
                throw ValidationError("matchers[\(index)]", error.reason)
            }
        }
        return Silence(
            id: message.id, matchers: matchers, startsAtMs: message.startsAtMs, endsAtMs: message.endsAtMs,
            createdBy: message.createdBy, comment: message.comment, createdAtMs: message.createdAtMs,
            updatedAtMs: message.updatedAtMs)
    }

    public static func matcher(_ matcher: LabelMatcher) -> Fleetwatch_V1_Matcher {
        .with {
            $0.name = matcher.name
            $0.op = op(matcher.op)
            $0.value = matcher.value
        }
    }

    public static func matcher(_ wire: Fleetwatch_V1_Matcher) throws(ValidationError) -> LabelMatcher {
        guard let op = op(wire.op) else { throw ValidationError("matcher", "op must be =, !=, =~ or !~") }
        return try LabelMatcher(name: wire.name, op: op, value: wire.value)
    }

    /// `name=value` and friends, for a wire matcher (`LabelMatcher(parsing:)` checks the text).
    public static func matcher(parsing text: String) throws(ValidationError) -> Fleetwatch_V1_Matcher {
        matcher(try LabelMatcher(parsing: text))
    }

    /// `machine="web-1"`: a wire matcher as people write it.
    public static func text(_ wire: Fleetwatch_V1_Matcher) -> String {
        "\(wire.name)\(op(wire.op)?.rawValue ?? "?")\"\(wire.value)\""
    }

    public static func op(_ op: LabelMatcher.Operator) -> Fleetwatch_V1_Matcher.Op {
        switch op {
        case .equal: .equal
        case .notEqual: .notEqual
        case .matchesRegex: .regex
        case .doesNotMatchRegex: .notRegex
        }
    }

    public static func op(_ op: Fleetwatch_V1_Matcher.Op) -> LabelMatcher.Operator? {
        switch op {
        case .equal: .equal
        case .notEqual: .notEqual
        case .regex: .matchesRegex
        case .notRegex: .doesNotMatchRegex
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    public static func state(_ state: Silence.State) -> Fleetwatch_V1_SilenceState {
        switch state {
        case .pending: .pending
        case .active: .active
        case .expired: .expired
        }
    }

    public static func state(_ wire: Fleetwatch_V1_SilenceState) -> Silence.State? {
        switch wire {
        case .pending: .pending
        case .active: .active
        case .expired: .expired
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    /// `pending`, `active` or `expired` (`unknown` for a state this build does not know).
    public static func stateName(_ wire: Fleetwatch_V1_SilenceState) -> String {
        state(wire)?.rawValue ?? "unknown"
    }

    /// The wire state for `pending`, `active` or `expired`; nil for any other text.
    public static func state(named name: String) -> Fleetwatch_V1_SilenceState? {
        Silence.State(rawValue: name).map(state)
    }
}
