import FleetProto

extension Fleetwatch_V1_RawBatch {
    /// Checks the batch against `limits` at the edge's time `nowMs`; the error names the field at fault.
    public func validate(limits: BatchLimits = .standard, nowMs: Int64) throws(ValidationError) {
        if let problem = MachineID.problem(with: machineID) { throw ValidationError("machine_id", problem) }
        if hasIdentity, identity.machineID != machineID {
            throw ValidationError("identity.machine_id", "'\(identity.machineID.prefix(40))' differs from machine_id")
        }
        if sequence == 0 { throw ValidationError("sequence", "must start at 1") }
        if source.isEmpty || source.utf8.count > 32 || source.contains("." as Character) {
            throw ValidationError("source", "must be 1-32 characters without '.'")
        }
        // The edge acks only what the normalizer can read: an unknown source would be acked, then dead-lettered.
        if !NodeExporterReading.knownSources.contains(source) {
            throw ValidationError(
                "source",
                "unknown source '\(source.prefix(40))'; known: \(NodeExporterReading.knownSources.joined(separator: ", "))")
        }
        try limits.checkTime(timestampMs, field: "timestamp_ms", nowMs: nowMs)
        try identity.validateFields(limits: limits, field: "identity")
        if readings.count > limits.maxReadings {
            throw ValidationError("readings", "\(readings.count) readings, at most \(limits.maxReadings)")
        }
        for (index, reading) in readings.enumerated() {
            let field = "readings[\(index)]"
            if reading.key.isEmpty || reading.key.utf8.count > limits.maxKeyLength {
                throw ValidationError("\(field).key", "must be 1-\(limits.maxKeyLength) bytes")
            }
            if !reading.value.isFinite {
                throw ValidationError("\(field).value", "\(reading.key) is \(reading.value), values must be finite")
            }
            if reading.labels.count > limits.maxLabelsPerReading {
                throw ValidationError("\(field).labels", "\(reading.labels.count) labels, at most \(limits.maxLabelsPerReading)")
            }
            try limits.checkLabels(reading.labels, field: "\(field).labels")
        }
        // The consumers of fleet.metrics check the snapshot's own time; the edge must refuse what they would.
        if hasProcesses, processes.timestampMs != 0 {
            try limits.checkTime(processes.timestampMs, field: "processes.timestamp_ms", nowMs: nowMs)
        }
        try limits.checkProcesses(processes, field: "processes")
    }
}
