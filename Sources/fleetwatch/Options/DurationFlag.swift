import ArgumentParser
import FleetCore
import Foundation

/// Durations given to the CLI's client commands (`--for`, `--no-data`, `--since`, `--timeout`): a unit is
/// required, so `--for 15` is an error rather than silently 15 seconds. (Service settings such as
/// FLEETWATCH_STALE_AFTER still take plain seconds, as `DurationText.parse` always has.)
enum DurationFlag {
    static func parse(_ text: String, flag: String, positive: Bool = false) throws -> Duration {
        guard let duration = DurationText.parse(text, requiringUnit: true) else {
            if DurationText.parse(text) != nil {
                throw ValidationError("\(flag) needs a unit, e.g. \(text.trimmingCharacters(in: .whitespaces))s, 5m, 1h")
            }
            throw ValidationError("\(flag) must be a duration with a unit, e.g. 15s, 5m, 1h (got '\(text)')")
        }
        if positive && duration <= .zero {
            throw ValidationError("\(flag) must be more than 0 (got '\(text)')")
        }
        return duration
    }

    /// Whole seconds, for the rule fields of alerts.proto.
    static func seconds(_ text: String, flag: String) throws -> Int32 {
        let duration = try parse(text, flag: flag)
        guard duration.components.seconds <= Int64(Int32.max) else {
            throw ValidationError("\(flag) is too long (got '\(text)')")
        }
        return Int32(duration.components.seconds)
    }
}
