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

extension DurationFlag {
    /// Flags that took plain (possibly fractional) seconds before units were required (`loadgen --interval`,
    /// `probe --timeout`): a unit is expected (`500ms`, `30s`); a plain number still works, as seconds, with a
    /// warning on stderr naming the spelling to use, so old scripts keep running and nothing is silent.
    static func parseAllowingSeconds(_ text: String, flag: String, in range: ClosedRange<Duration>) throws -> Duration {
        let duration: Duration
        if let parsed = DurationText.parse(text, requiringUnit: true) {
            duration = parsed
        } else if let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 {
            duration = .milliseconds(Int64((seconds * 1000).rounded()))
            FileHandle.standardError.write(
                Data("warning: \(flag) \(text): plain seconds are deprecated; write \(DurationText.format(duration))\n".utf8))
        } else {
            throw ValidationError("\(flag) must be a duration with a unit, e.g. 500ms, 30s, 5m (got '\(text)')")
        }
        guard range.contains(duration) else {
            throw ValidationError(
                "\(flag) must be \(DurationText.format(range.lowerBound))…\(DurationText.format(range.upperBound)) (got '\(text)')")
        }
        return duration
    }
}
