import FleetProto

/// The checks that the edge (`Fleetwatch_V1_RawBatch.validate`) and every consumer of fleet.metrics
/// (`Fleetwatch_V1_MetricBatch.validate`) share, so a rule is written once and reads the same everywhere.
extension BatchLimits {
    /// What is wrong with a time `ms` (milliseconds since 1970) seen at `nowMs`, or nil when it lies in the
    /// window the pipeline accepts: at most `maxFutureSkewMs` ahead, at most `maxAgeMs` old.
    public func timeProblem(_ ms: Int64, nowMs: Int64) -> String? {
        if ms > nowMs &+ maxFutureSkewMs {
            return "\(ms) is more than \(maxFutureSkewMs / 1000) s in the future"
        }
        if ms < nowMs &- maxAgeMs {
            return "\(ms) is older than \(maxAgeMs / 86_400_000) days"
        }
        return nil
    }

    func checkTime(_ ms: Int64, field: String, nowMs: Int64) throws(ValidationError) {
        if let problem = timeProblem(ms, nowMs: nowMs) { throw ValidationError(field, problem) }
    }

    func checkLength(_ value: String, field: String, limit: Int) throws(ValidationError) {
        let length = value.utf8.count
        if length > limit { throw ValidationError(field, "\(length) bytes, at most \(limit)") }
    }

    func checkLabels(_ labels: [String: String], field: String) throws(ValidationError) {
        for (name, value) in labels {
            if name.isEmpty || name.utf8.count > maxLabelNameLength {
                throw ValidationError(field, "label name '\(name.prefix(40))' must be 1-\(maxLabelNameLength) bytes")
            }
            if value.utf8.count > maxLabelValueLength {
                throw ValidationError(field, "label '\(name.prefix(40))' value is longer than \(maxLabelValueLength) bytes")
            }
        }
    }

    /// Each ranking of a process snapshot (by CPU, by memory) holds at most `maxProcesses` entries, each with a
    /// finite `cpu_percent`.
    func checkProcesses(_ snapshot: Fleetwatch_V1_ProcessSnapshot, field: String) throws(ValidationError) {
        for (list, entries) in [("by_cpu", snapshot.byCpu), ("by_memory", snapshot.byMemory)] {
            if entries.count > maxProcesses {
                throw ValidationError("\(field).\(list)", "\(entries.count) entries, at most \(maxProcesses) per list")
            }
            for process in entries {
                if !process.cpuPercent.isFinite {
                    throw ValidationError("\(field).\(list).cpu_percent", "pid \(process.pid) has \(process.cpuPercent)")
                }
                if process.name.utf8.count > maxProcessNameLength {
                    throw ValidationError(
                        "\(field).\(list).name", "pid \(process.pid): longer than \(maxProcessNameLength) bytes")
                }
                if process.user.utf8.count > maxProcessUserLength {
                    throw ValidationError(
                        "\(field).\(list).user", "pid \(process.pid): longer than \(maxProcessUserLength) bytes")
                }
            }
        }
    }
}
