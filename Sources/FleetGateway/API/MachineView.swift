import FleetCore
import FleetFanout

/// A machine as the API and the live socket show it (docs/api.md): FleetCore's `MachineJSON`, the shape the CLI
/// prints too, with what the live view adds.
typealias MachineView = MachineJSON

extension MachineJSON {
    /// `machine` as of `nowMs`, with its open `alerts`.
    init(_ machine: LiveMachine, nowMs: Int64, thresholds: MachineStatus.Thresholds, alerts: MachineAlerts) {
        self.init(
            identity: machine.identity, status: machine.status(nowMs: nowMs, thresholds: thresholds),
            lastSeenMs: machine.lastSeenMs, summary: machine.summary,
            live: Live(
                alerts: AlertCounts(
                    firing: alerts.firing, pending: alerts.pending, silenced: alerts.silenced, worst: alerts.worst),
                silent: MachineStatus.isSilent(lastSeenMs: machine.lastSeenMs, nowMs: nowMs, thresholds: thresholds),
                synthetic: SyntheticMachine.isSynthetic(labels: machine.identity.labels),
                refusedSeries: machine.refusedSeries))
    }
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
