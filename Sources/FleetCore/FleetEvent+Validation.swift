import FleetProto

/// The bounds of the fleet.events messages a live view applies (alert transitions, machine retirements, probe
/// echoes) beyond those the edge already sets for batches (`BatchLimits`). Anyone with broker access can publish on
/// fleet.events, so each gateway checks these at its own boundary (`FanoutConsumer`), as it checks batches.
public enum FleetEventLimits {
    /// Bytes of an alert's `rule_id` (the config service assigns a 36-byte UUID).
    public static let maxRuleIDLength = 128
    /// Bytes of `rule_name`: a rule name has at most `AlertRule.maxNameLength` characters, of up to 4 bytes each.
    public static let maxRuleNameLength = 4 * AlertRule.maxNameLength
    /// Bytes of the rendered `description`: the rule's template (at most `AlertRule.maxDescriptionLength`
    /// characters) with machine, hostname, value and labels filled in.
    public static let maxDescriptionLength = 16_384
    /// Bytes of `reason` (today's are the few words of `AlertEnd`).
    public static let maxReasonLength = 128
}

extension Fleetwatch_V1_AlertTransition {
    /// Checks an alert transition taken from fleet.events at the consumer's time `nowMs`, before a live view shows
    /// it: `machine_id` by the edge's rule (`MachineID`); `labels` (the series') as a reading's labels; `hostname`
    /// as an identity's; `at_ms` within the batches' time window (`BatchLimits.timeProblem`); known statuses and
    /// severity; a usable `value` (`SampleValue`: JSON has no Inf); non-negative `rule_version` and `sequence`;
    /// every other string within `FleetEventLimits`. The error names the field at fault.
    public func validate(limits: BatchLimits = .standard, nowMs: Int64) throws(ValidationError) {
        if let problem = MachineID.problem(with: machineID) { throw ValidationError("machine_id", problem) }
        if ruleID.isEmpty { throw ValidationError("rule_id", "is empty") }
        try limits.checkLength(ruleID, field: "rule_id", limit: FleetEventLimits.maxRuleIDLength)
        if ruleVersion < 0 { throw ValidationError("rule_version", "\(ruleVersion) is negative") }
        if sequence < 0 { throw ValidationError("sequence", "\(sequence) is negative") }
        if labels.count > limits.maxLabelsPerReading {
            throw ValidationError("labels", "\(labels.count) labels, at most \(limits.maxLabelsPerReading)")
        }
        try limits.checkLabels(labels, field: "labels")
        if case .UNRECOGNIZED(let status) = from { throw ValidationError("from", "unknown status \(status)") }
        switch to {
        case .inactive, .pending, .firing, .resolved: break
        case .unspecified: throw ValidationError("to", "is unspecified")
        case .UNRECOGNIZED(let status): throw ValidationError("to", "unknown status \(status)")
        }
        try limits.checkTime(atMs, field: "at_ms", nowMs: nowMs)
        if hasValue, let problem = SampleValue.problem(with: value) { throw ValidationError("value", problem) }
        if case .UNRECOGNIZED(let number) = severity { throw ValidationError("severity", "unknown severity \(number)") }
        try limits.checkLength(ruleName, field: "rule_name", limit: FleetEventLimits.maxRuleNameLength)
        try limits.checkLength(description_p, field: "description", limit: FleetEventLimits.maxDescriptionLength)
        try limits.checkLength(hostname, field: "hostname", limit: limits.maxHostnameLength)
        try limits.checkLength(reason, field: "reason", limit: FleetEventLimits.maxReasonLength)
    }
}

extension Fleetwatch_V1_MachineRetired {
    /// Checks a retirement taken from fleet.events at `nowMs`: `machine_id` by the edge's rule, `retired_ms` within
    /// the batches' time window. A live view keeps a retired machine out until a batch newer than `retired_ms`
    /// comes, so a year-3000 stamp would hide the machine for good.
    public func validate(limits: BatchLimits = .standard, nowMs: Int64) throws(ValidationError) {
        if let problem = MachineID.problem(with: machineID) { throw ValidationError("machine_id", problem) }
        try limits.checkTime(retiredMs, field: "retired_ms", nowMs: nowMs)
    }
}

extension Fleetwatch_V1_ProbeEcho {
    /// Checks a probe echo taken from fleet.events at `nowMs`: `machine_id` by the edge's rule, a known `hop`
    /// (`ProbeHop`), `sent_ms` and `observed_ms` within the batches' time window, so no echo skews the latency
    /// percentiles a gateway shows.
    public func validate(limits: BatchLimits = .standard, nowMs: Int64) throws(ValidationError) {
        if let problem = MachineID.problem(with: machineID) { throw ValidationError("machine_id", problem) }
        if ProbeHop(rawValue: hop) == nil {
            throw ValidationError(
                "hop", "unknown hop '\(hop.prefix(40))'; known: \(ProbeHop.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try limits.checkTime(sentMs, field: "sent_ms", nowMs: nowMs)
        try limits.checkTime(observedMs, field: "observed_ms", nowMs: nowMs)
    }
}
