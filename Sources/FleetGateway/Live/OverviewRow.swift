import FleetCore
import FleetFanout

/// One machine as the fleet overview's row shows it, in the `overview` messages of /api/v1/live (docs/api.md):
/// identity, status, alert counts and the six numbers of the row, with short keys, because a 10,000-machine
/// snapshot is 10,000 of these. Written by `OverviewJSON`, not JSONEncoder: the encoder took most of the
/// ~0.8 s such a snapshot cost (perf, release build).
struct OverviewRow {
    var id: String
    var name: String
    var labels: [String: String]
    var status: MachineStatus
    var lastSeenMs: Int64
    var silent: Bool
    var synthetic: Bool
    var firing: Int
    var pending: Int
    /// Open alerts an active silence matches (counted in neither `firing` nor `pending`).
    var silenced: Int
    var worst: String?
    var cpu: Double?
    var mem: Double?
    var disk: Double?
    var rx: Double?
    var tx: Double?
    var load: Double?

    init(_ machine: LiveMachine, nowMs: Int64, thresholds: MachineStatus.Thresholds, alerts: MachineAlerts) {
        id = machine.machineID
        name = machine.identity.hostname
        labels = machine.identity.labels
        status = machine.status(nowMs: nowMs, thresholds: thresholds)
        lastSeenMs = machine.lastSeenMs
        silent = MachineStatus.isSilent(lastSeenMs: machine.lastSeenMs, nowMs: nowMs, thresholds: thresholds)
        synthetic = SyntheticMachine.isSynthetic(labels: machine.identity.labels)
        firing = alerts.firing
        pending = alerts.pending
        silenced = alerts.silenced
        worst = alerts.worst.map(RuleMapping.severityName)
        let summary = machine.summary
        cpu = summary.cpuPercent
        mem = summary.memPercent
        disk = summary.diskPercent
        rx = summary.netRecvBytesPerSecond
        tx = summary.netSentBytesPerSecond
        load = summary.load1m
    }
}
