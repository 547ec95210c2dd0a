import FleetCore
import FleetProto

/// The live view in the shapes of fleet.proto.
extension Fleetwatch_V1_Machine {
    init(_ machine: LiveMachine, nowMs: Int64, thresholds: MachineStatus.Thresholds) {
        self.init()
        identity = machine.identity
        status = .init(machine.status(nowMs: nowMs, thresholds: thresholds))
        lastSeenMs = machine.lastSeenMs
        summary = .init(machine.summary)
        refusedSeries = UInt32(clamping: machine.refusedSeries)
    }
}

extension Fleetwatch_V1_MachineStatus {
    init(_ status: FleetCore.MachineStatus) {
        switch status {
        case .online: self = .online
        case .stale: self = .stale
        case .offline: self = .offline
        }
    }
}

extension Fleetwatch_V1_MachineSummary {
    init(_ summary: FleetCore.MachineSummary) {
        self.init()
        if let value = summary.cpuPercent { cpuPercent = value }
        if let value = summary.memPercent { memPercent = value }
        if let value = summary.diskPercent { diskPercent = value }
        if let value = summary.diskReadBytesPerSecond { diskReadBytesPerS = value }
        if let value = summary.diskWriteBytesPerSecond { diskWriteBytesPerS = value }
        if let value = summary.netRecvBytesPerSecond { netRecvBytesPerS = value }
        if let value = summary.netSentBytesPerSecond { netSentBytesPerS = value }
        if let value = summary.load1m { load1M = value }
    }
}

extension Fleetwatch_V1_Sample {
    init(_ sample: LiveSample) {
        self.init()
        name = sample.metric
        labels = sample.labels
        value = sample.value
        timestampMs = sample.timeMs
    }
}
