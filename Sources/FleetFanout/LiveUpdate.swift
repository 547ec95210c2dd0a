import FleetCore
import FleetProto

/// What changed for one subscriber since it last looked, with the current values (never a backlog).
public struct LiveUpdate: Sendable {
    /// The topic the subscriber followed when this update was taken.
    public var topic: LiveTopic?
    /// True for the first update after choosing a topic: it carries everything, not only changes.
    public var isSnapshot = false
    /// Problems to tell the reader about (an unknown machine, say).
    public var notices: [String] = []
    /// Machines that changed (fleet topic) or the followed machine (machine topic).
    public var machines: [LiveMachine] = []
    /// The followed machine's changed series, newest values (machine topic only).
    public var samples: [LiveSample] = []
    /// The followed machine's newest process snapshot when it changed (machine topic only).
    public var processes: Fleetwatch_V1_ProcessSnapshot?
    /// Alert transitions since the last update (the newest per alert), for the fleet or the followed machine.
    public var alerts: [Fleetwatch_V1_AlertTransition] = []
    /// Probe echoes of the followed machine since the last update (machine topic only).
    public var probes: [Fleetwatch_V1_ProbeEcho] = []
    /// Machines retired since the last update (fleet topic, or the followed machine): views drop them.
    public var retired: [String] = []

    public var isEmpty: Bool {
        notices.isEmpty && machines.isEmpty && samples.isEmpty && processes == nil && alerts.isEmpty && probes.isEmpty
            && retired.isEmpty
    }
}
