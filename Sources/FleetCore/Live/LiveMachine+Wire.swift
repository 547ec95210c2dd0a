import FleetProto

/// The live view in the shapes of fleet.proto (the config service's FleetQuery and `fleetwatch machines`).
extension Fleetwatch_V1_Machine {
    public init(_ machine: LiveMachine, nowMs: Int64, thresholds: MachineStatus.Thresholds) {
        self.init()
        identity = machine.identity
        status = .init(machine.status(nowMs: nowMs, thresholds: thresholds))
        lastSeenMs = machine.lastSeenMs
        summary = .init(machine.summary)
        refusedSeries = UInt32(clamping: machine.refusedSeries)
    }
}

extension Fleetwatch_V1_Sample {
    public init(_ sample: LiveSample) {
        self.init()
        name = sample.metric
        labels = sample.labels
        value = sample.value
        timestampMs = sample.timeMs
    }
}
