import FleetProto

/// What the live view knows about one machine: identity, when it was last heard of, the newest value of
/// each of its series and its newest process snapshot.
public struct LiveMachine: Sendable {
    public var identity: Fleetwatch_V1_MachineIdentity
    /// When the newest batch was received (the edge's time; the batch time when the edge set none).
    public var lastSeenMs: Int64
    public var series: [SeriesKey: LiveSample]
    public var processes: Fleetwatch_V1_ProcessSnapshot?
    /// Series of its newest samples batch refused over the series limit (at the edge, or by this cache): shown on
    /// the dashboard, so a refusal is never silent. 0 when nothing was refused.
    public var refusedSeries = 0

    public init(
        identity: Fleetwatch_V1_MachineIdentity, lastSeenMs: Int64, series: [SeriesKey: LiveSample] = [:],
        processes: Fleetwatch_V1_ProcessSnapshot? = nil
    ) {
        self.identity = identity
        self.lastSeenMs = lastSeenMs
        self.series = series
        self.processes = processes
    }

    public var machineID: String { identity.machineID }

    public var summary: MachineSummary { MachineSummary(latest: series.values) }

    public func status(nowMs: Int64, thresholds: MachineStatus.Thresholds) -> MachineStatus {
        MachineStatus.of(lastSeenMs: lastSeenMs, nowMs: nowMs, thresholds: thresholds)
    }

    /// Every series' newest value, in a stable order (metric, then labels).
    public var latest: [LiveSample] {
        series.sorted { $0.key < $1.key }.map(\.value)
    }
}
