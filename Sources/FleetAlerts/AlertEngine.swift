import FleetCore
import FleetProto

/// The evaluator's memory, without I/O: one `AlertState` per (rule, machine, series), each machine's last batch
/// time for no-data rules, and which machines' open alerts were restored from history. Turns batches and clock
/// ticks into transitions in their wire form, with rule name, severity, description and hostname filled in.
public struct AlertEngine: Sendable {
    struct Key: Hashable, Sendable {
        var ruleID: String
        var machineID: String
        var labels: String
    }

    struct Machine: Sendable {
        var hostname: String
        var lastSeenMs: Int64
    }

    private var states: [Key: AlertState] = [:]
    /// The series labels of each state's key, to name the series of an alert the engine ends itself.
    private var labels: [Key: [String: String]] = [:]
    /// The enabled rules as of the last `dropRules`: the scan runs only when they changed.
    private var knownRules: Set<String>?
    private var machines: [String: Machine] = [:]
    private var restored: Set<String> = []

    public init() {}

    /// True when `machine`'s open alerts still need to be read from history before evaluating it.
    public func needsRestore(_ machine: String) -> Bool { !restored.contains(machine) }

    /// Seeds the states of `machine` from its open (pending or firing) alerts in history.
    public mutating func restore(_ machine: String, openAlerts: [Fleetwatch_V1_Alert]) {
        restored.insert(machine)
        for alert in openAlerts where alert.machineID == machine {
            let key = Key(ruleID: alert.ruleID, machineID: machine, labels: LabelSet.key(alert.labels))
            guard states[key] == nil else { continue }
            labels[key] = alert.labels
            states[key] = AlertState(
                restoring: RuleMapping.status(alert.status), sequence: alert.sequence, sinceMs: alert.startedMs,
                lastValue: alert.hasValue ? alert.value : nil)
        }
    }

    /// Evaluates every enabled threshold rule against the samples of `batch`.
    /// Synthetic machines (`Probe`) never alert: they are measured, not watched. A sample whose value is not
    /// usable (`SampleValue`) is skipped, as if it had not come: an Inf would fire a rule with a value that no
    /// reader of alert history can show, and a NaN compares false and would resolve a firing alert.
    public mutating func evaluate(_ batch: Fleetwatch_V1_MetricBatch, rules: [AlertRule]) -> [Fleetwatch_V1_AlertTransition] {
        guard !Probe.isProbe(batch.machine) else { return [] }
        let machineID = batch.machine.machineID
        let seenMs = SampleTime.seenMilliseconds(of: batch)
        machines[machineID] = Machine(
            hostname: batch.machine.hostname, lastSeenMs: max(machines[machineID]?.lastSeenMs ?? 0, seenMs))
        var transitions: [Fleetwatch_V1_AlertTransition] = []
        for rule in rules {
            guard rule.enabled, case .threshold(let threshold) = rule.kind else { continue }
            for sample in batch.samples
            where sample.name == threshold.metric && SampleValue.isUsable(sample.value)
                && rule.matches(machine: machineID, labels: sample.labels)
            {
                let key = Key(ruleID: rule.id, machineID: machineID, labels: LabelSet.key(sample.labels))
                var state = states[key] ?? AlertState()
                let at = SampleTime.milliseconds(of: sample, in: batch)
                let changes = state.observe(
                    value: sample.value, atMs: at, rule: rule, machineID: machineID, labels: sample.labels)
                states[key] = state
                if labels[key] == nil { labels[key] = sample.labels }
                transitions += changes.map { wire($0, rule: rule, hostname: batch.machine.hostname) }
            }
        }
        return transitions
    }

    /// Evaluates no-data rules for every machine this evaluator has seen.
    public mutating func evaluateSilence(nowMs: Int64, rules: [AlertRule]) -> [Fleetwatch_V1_AlertTransition] {
        var transitions: [Fleetwatch_V1_AlertTransition] = []
        for rule in rules {
            guard rule.enabled, case .noData = rule.kind else { continue }
            for (machineID, machine) in machines where rule.matches(machine: machineID, labels: [:]) {
                let key = Key(ruleID: rule.id, machineID: machineID, labels: "")
                var state = states[key] ?? AlertState()
                let changes = state.observe(lastSeenMs: machine.lastSeenMs, nowMs: nowMs, rule: rule, machineID: machineID)
                states[key] = state
                transitions += changes.map { wire($0, rule: rule, hostname: machine.hostname) }
            }
        }
        return transitions
    }

    /// Ends the open threshold alerts of machines not heard of since `cutoffMs` ("machine silent": with no values
    /// a threshold rule has nothing to judge by, and an alert must never fire forever; a no-data rule is what
    /// watches silence), and forgets those machines (their partition may have moved to another evaluator): if they
    /// come back here, their open alerts are restored from history again. While a no-data rule is enabled, silent
    /// machines stay, or it could never fire.
    public mutating func endSilent(notSeenSince cutoffMs: Int64, nowMs: Int64, rules: [AlertRule])
        -> [Fleetwatch_V1_AlertTransition]
    {
        let watchesSilence = rules.contains { if case .noData = $0.kind { $0.enabled } else { false } }
        let silent = Set(machines.filter { $0.value.lastSeenMs < cutoffMs }.keys)
        guard !silent.isEmpty else { return [] }
        let byID = Dictionary(rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var transitions: [Fleetwatch_V1_AlertTransition] = []
        // One pass over the states: a machine's ended states are gone, so a machine kept for no-data rules costs
        // nothing on later ticks.
        for (key, var state) in states where silent.contains(key.machineID) {
            guard let rule = byID[key.ruleID], case .threshold = rule.kind, let machine = machines[key.machineID] else {
                continue
            }
            let ended = state.end(
                .machineSilent, atMs: nowMs, rule: rule, machineID: key.machineID, labels: labels[key] ?? [:])
            transitions += ended.map { wire($0, rule: rule, hostname: machine.hostname) }
            states[key] = nil
            labels[key] = nil
        }
        if !watchesSilence {
            for id in silent {
                machines[id] = nil
                restored.remove(id)
            }
            states = states.filter { !silent.contains($0.key.machineID) }
            labels = labels.filter { !silent.contains($0.key.machineID) }
        }
        return transitions
    }

    /// Drops what the engine holds of rules that are no longer enabled (deleted or disabled): the config service
    /// ends their open alerts in history ("rule deleted", "rule disabled"), and a re-enabled rule starts afresh.
    public mutating func dropRules(notIn active: [AlertRule]) {
        let ids = Set(active.map(\.id))
        guard ids != knownRules else { return }
        knownRules = ids
        states = states.filter { ids.contains($0.key.ruleID) }
        labels = labels.filter { ids.contains($0.key.ruleID) }
    }

    /// Forgets `ids` at once: their partition went to another evaluator, which restores their open alerts from
    /// history. Their silence goes with them: a machine already silent when its partition moves is not watched by
    /// no-data rules until it reports again (docs/roadmap.md).
    public mutating func forget(machines ids: Set<String>) {
        guard !ids.isEmpty else { return }
        for id in ids {
            machines[id] = nil
            restored.remove(id)
        }
        states = states.filter { !ids.contains($0.key.machineID) }
        labels = labels.filter { !ids.contains($0.key.machineID) }
    }

    private func wire(_ transition: AlertTransition, rule: AlertRule, hostname: String) -> Fleetwatch_V1_AlertTransition {
        .with {
            $0.ruleID = transition.ruleID
            $0.ruleVersion = transition.ruleVersion
            $0.machineID = transition.machineID
            $0.labels = transition.labels
            $0.from = RuleMapping.status(transition.from)
            $0.to = RuleMapping.status(transition.to)
            $0.atMs = transition.atMs
            if let value = transition.value { $0.value = value }
            $0.sequence = transition.sequence
            $0.ruleName = rule.name
            $0.severity = RuleMapping.severity(rule.severity)
            $0.hostname = hostname
            $0.description_p = rule.render(
                machine: transition.machineID, hostname: hostname, value: transition.value, labels: transition.labels)
            if let reason = transition.reason { $0.reason = reason.rawValue }
        }
    }
}
