/// Where one alert (a rule on one series of one machine) stands.
public enum AlertStatus: String, Sendable, Codable, CaseIterable {
    case inactive
    case pending
    case firing
    case resolved
}

/// A change of an alert's status, written to alert history and published on fleet.events.
public struct AlertTransition: Sendable, Equatable {
    public var ruleID: String
    public var ruleVersion: Int64
    public var machineID: String
    /// The series' labels (empty for no-data rules).
    public var labels: [String: String]
    public var from: AlertStatus
    public var to: AlertStatus
    /// Milliseconds since 1970: the sample time (or the evaluation time for no-data rules) that caused it.
    public var atMs: Int64
    public var value: Double?
    /// Names one firing (or attempt) of this alert: the time in milliseconds its pending began, shared by its
    /// pending, firing and resolved transitions. With rule, machine and series it keys the transition, so
    /// writing it twice changes nothing, and an evaluator that took over a partition never reuses one.
    public var sequence: Int64
    /// Why the alert ended when its values did not end it (nil for transitions values caused).
    public var reason: AlertEnd?

    public init(
        ruleID: String, ruleVersion: Int64, machineID: String, labels: [String: String], from: AlertStatus,
        to: AlertStatus, atMs: Int64, value: Double?, sequence: Int64, reason: AlertEnd? = nil
    ) {
        self.reason = reason
        self.ruleID = ruleID
        self.ruleVersion = ruleVersion
        self.machineID = machineID
        self.labels = labels
        self.from = from
        self.to = to
        self.atMs = atMs
        self.value = value
        self.sequence = sequence
    }
}

/// The state machine of one alert, Prometheus-style: a breach starts `pending`; still breaching after the rule's
/// for-duration it is `firing`; firing, it resolves only once the value is back past the resolve threshold
/// (hysteresis); a pending alert whose breach ends goes back to `inactive` (recorded, so no list shows a stale
/// pending) without ever having fired. Pure and
/// clock-free: the caller passes each sample's time (or, for no-data rules, the evaluation time).
public struct AlertState: Sendable, Equatable {
    public private(set) var status: AlertStatus = .inactive
    /// When the current breach began.
    public private(set) var sinceMs: Int64?
    public private(set) var sequence: Int64 = 0
    public private(set) var lastValue: Double?

    public init() {}

    /// The state of an alert as history recorded it, for an evaluator taking over a partition.
    public init(restoring status: AlertStatus, sequence: Int64, sinceMs: Int64?, lastValue: Double?) {
        self.status = status
        self.sequence = sequence
        self.sinceMs = sinceMs
        self.lastValue = lastValue
    }

    /// Feeds one sample of a threshold rule; returns the transitions it caused (at most two: pending and
    /// firing at once when for-duration is zero).
    public mutating func observe(
        value: Double, atMs: Int64, rule: AlertRule, machineID: String, labels: [String: String]
    ) -> [AlertTransition] {
        guard case .threshold(let threshold) = rule.kind else { return [] }
        lastValue = value
        let breaching = threshold.comparator.holds(value, threshold.value)
        let clear = !threshold.comparator.holds(value, threshold.resolveValue ?? threshold.value)
        return step(breaching: breaching, clear: clear, atMs: atMs, rule: rule, machineID: machineID, labels: labels)
    }

    /// Evaluates a no-data rule for a machine last heard of at `lastSeenMs`, now `nowMs`.
    public mutating func observe(
        lastSeenMs: Int64, nowMs: Int64, rule: AlertRule, machineID: String
    ) -> [AlertTransition] {
        guard case .noData(let silence) = rule.kind else { return [] }
        let silent = Duration.milliseconds(nowMs - lastSeenMs) >= silence
        lastValue = nil
        return step(breaching: silent, clear: !silent, atMs: nowMs, rule: rule, machineID: machineID, labels: [:])
    }

    /// Ends an open alert for `reason` at `atMs` (firing → resolved, pending → inactive); nothing when it is not
    /// open. A later breach starts a new alert.
    public mutating func end(
        _ reason: AlertEnd, atMs: Int64, rule: AlertRule, machineID: String, labels: [String: String]
    ) -> [AlertTransition] {
        let to: AlertStatus
        switch status {
        case .firing: to = .resolved
        case .pending: to = .inactive
        case .inactive, .resolved: return []
        }
        let transition = AlertTransition(
            ruleID: rule.id, ruleVersion: rule.version, machineID: machineID, labels: labels, from: status, to: to,
            atMs: max(atMs, sinceMs ?? atMs), value: lastValue, sequence: sequence, reason: reason)
        status = to
        sinceMs = nil
        return [transition]
    }

    private mutating func step(
        breaching: Bool, clear: Bool, atMs: Int64, rule: AlertRule, machineID: String, labels: [String: String]
    ) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        func move(to next: AlertStatus) {
            transitions.append(
                AlertTransition(
                    ruleID: rule.id, ruleVersion: rule.version, machineID: machineID, labels: labels, from: status, to: next,
                    atMs: atMs, value: lastValue, sequence: sequence))
            status = next
        }
        switch status {
        case .inactive, .resolved:
            guard breaching else {
                status = .inactive
                return []
            }
            sequence = max(atMs, sequence + 1)
            sinceMs = atMs
            move(to: .pending)
            if Duration.milliseconds(atMs - sinceMs!) >= rule.forDuration { move(to: .firing) }
        case .pending:
            if breaching {
                if Duration.milliseconds(atMs - (sinceMs ?? atMs)) >= rule.forDuration { move(to: .firing) }
            } else {
                move(to: .inactive)  // never fired
                sinceMs = nil
            }
        case .firing:
            if clear {
                move(to: .resolved)
                sinceMs = nil
            }
        }
        return transitions
    }
}
