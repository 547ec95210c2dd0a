import FleetCore
import FleetFanout

/// A machine as the API and the live socket show it (docs/api.md).
struct MachineView: Encodable {
    var machineID: String
    var hostname: String
    var os: String
    var kernel: String
    var cores: Int
    var agentVersion: String
    var labels: [String: String]
    var status: MachineStatus
    var lastSeenMs: Int64
    var summary: MachineSummary
    var alerts: AlertCountsView
    /// Silent for `silent_after_s` or longer: left out of the dashboard's default view.
    var silent: Bool
    /// Made up by `fleetwatch loadgen` or `fleetwatch probe` (label `synthetic`): left out of the default view.
    var synthetic: Bool
    /// Series of its newest batch refused over the per-machine series limit (FLEETWATCH_MAX_SERIES); 0: none.
    var refusedSeries: Int

    init(_ machine: LiveMachine, nowMs: Int64, thresholds: MachineStatus.Thresholds, alerts: MachineAlerts) {
        self.alerts = AlertCountsView(alerts)
        machineID = machine.machineID
        hostname = machine.identity.hostname
        os = machine.identity.os
        kernel = machine.identity.kernel
        cores = Int(machine.identity.cpuCores)
        agentVersion = machine.identity.agentVersion
        labels = machine.identity.labels
        status = machine.status(nowMs: nowMs, thresholds: thresholds)
        lastSeenMs = machine.lastSeenMs
        summary = machine.summary
        silent = MachineStatus.isSilent(lastSeenMs: machine.lastSeenMs, nowMs: nowMs, thresholds: thresholds)
        synthetic = SyntheticMachine.isSynthetic(labels: machine.identity.labels)
        refusedSeries = machine.refusedSeries
    }

    enum CodingKeys: String, CodingKey {
        case machineID = "machine_id"
        case hostname, os, kernel, cores
        case agentVersion = "agent_version"
        case labels, status
        case lastSeenMs = "last_seen_ms"
        case summary, alerts, silent, synthetic
        case refusedSeries = "refused_series"
    }
}

/// `"alerts": {"firing": 1, "pending": 0, "worst": "critical"}` of a machine object.
struct AlertCountsView: Encodable {
    var firing: Int
    var pending: Int
    var worst: String?

    init(_ alerts: MachineAlerts) {
        firing = alerts.firing
        pending = alerts.pending
        worst = alerts.worst.map(RuleMapping.severityName)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(firing, forKey: .firing)
        try container.encode(pending, forKey: .pending)
        try container.encode(worst, forKey: .worst)
    }

    enum CodingKeys: String, CodingKey { case firing, pending, worst }
}

/// GET /api/v1/machines: one page of the machines the filters admit.
struct MachineListView: Encodable {
    var nowMs: Int64
    var staleAfterSeconds: Int64
    var offlineAfterSeconds: Int64
    var silentAfterSeconds: Int64
    /// How many machines the filters admit, on every page.
    var total: Int
    /// The `offset` of the next page; absent on the last.
    var nextOffset: Int?
    var machines: [MachineView]

    init(nowMs: Int64, thresholds: MachineStatus.Thresholds, total: Int, nextOffset: Int?, machines: [MachineView]) {
        self.nowMs = nowMs
        staleAfterSeconds = thresholds.staleAfter.components.seconds
        offlineAfterSeconds = thresholds.offlineAfter.components.seconds
        silentAfterSeconds = thresholds.silentAfter.components.seconds
        self.total = total
        self.nextOffset = nextOffset
        self.machines = machines
    }

    enum CodingKeys: String, CodingKey {
        case nowMs = "now_ms"
        case staleAfterSeconds = "stale_after_s"
        case offlineAfterSeconds = "offline_after_s"
        case silentAfterSeconds = "silent_after_s"
        case total
        case nextOffset = "next_offset"
        case machines
    }
}
