import FleetProto

extension MachineSummary {
    /// The summary of its gRPC form: a value the sender did not set stays nil.
    public init(_ summary: Fleetwatch_V1_MachineSummary) {
        self.init()
        cpuPercent = summary.hasCpuPercent ? summary.cpuPercent : nil
        memPercent = summary.hasMemPercent ? summary.memPercent : nil
        diskPercent = summary.hasDiskPercent ? summary.diskPercent : nil
        diskReadBytesPerSecond = summary.hasDiskReadBytesPerS ? summary.diskReadBytesPerS : nil
        diskWriteBytesPerSecond = summary.hasDiskWriteBytesPerS ? summary.diskWriteBytesPerS : nil
        netRecvBytesPerSecond = summary.hasNetRecvBytesPerS ? summary.netRecvBytesPerS : nil
        netSentBytesPerSecond = summary.hasNetSentBytesPerS ? summary.netSentBytesPerS : nil
        load1m = summary.hasLoad1M ? summary.load1M : nil
    }
}

extension Fleetwatch_V1_MachineSummary {
    /// The gRPC form of a summary: a value not known yet stays unset.
    public init(_ summary: MachineSummary) {
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
