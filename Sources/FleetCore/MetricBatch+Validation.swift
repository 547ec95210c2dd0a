import FleetProto

extension Fleetwatch_V1_MetricBatch {
    /// Checks a batch taken from fleet.metrics against `limits` at the consumer's time `nowMs`, with the edge's
    /// rules: the edge validated what collectors sent, but anyone with broker access can publish on fleet.metrics,
    /// so the persister, the alert evaluator and the gateways' live view each check again at their own boundary.
    ///
    /// - `machine.machine_id`: the edge's rule for `RawBatch.machine_id` (`MachineID`: it names partitions,
    ///   routing keys and URLs; `../../x` is refused).
    /// - the identity's fields: the edge's bounds (`Fleetwatch_V1_MachineIdentity.validateFields`).
    /// - every time the batch carries: `timestamp_ms`, `received_ms` (what "last seen" means) when set, each
    ///   sample's and the process snapshot's own `timestamp_ms` when set: at most `maxFutureSkewMs` ahead of
    ///   `nowMs` and at most `maxAgeMs` old, so a year-3000 stamp creates no partition and sets no last_seen.
    /// - process snapshots: at most `maxProcesses` entries per ranking.
    ///
    /// Values are not checked here: unusable ones are removed, not refused (`removeUnusableValues()`, called first).
    /// The error names the field at fault (`machine.hostname: 1048576 bytes, at most 253`).
    public func validate(limits: BatchLimits = .standard, nowMs: Int64) throws(ValidationError) {
        if let problem = MachineID.problem(with: machine.machineID) {
            throw ValidationError("machine.machine_id", problem)
        }
        try machine.validateFields(limits: limits, field: "machine")
        try limits.checkTime(timestampMs, field: "timestamp_ms", nowMs: nowMs)
        if receivedMs != 0 { try limits.checkTime(receivedMs, field: "received_ms", nowMs: nowMs) }
        for (index, sample) in samples.enumerated() where sample.timestampMs != 0 {
            try limits.checkTime(sample.timestampMs, field: "samples[\(index)].timestamp_ms", nowMs: nowMs)
        }
        if hasProcesses {
            if processes.timestampMs != 0 {
                try limits.checkTime(processes.timestampMs, field: "processes.timestamp_ms", nowMs: nowMs)
            }
            try limits.checkProcesses(processes, field: "processes")
        }
    }
}
