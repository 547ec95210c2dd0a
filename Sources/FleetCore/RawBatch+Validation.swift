import FleetProto

extension Fleetwatch_V1_RawBatch {
    /// Checks the batch against `limits` at the edge's time `nowMs`; the error names the field at fault.
    public func validate(limits: BatchLimits = .standard, nowMs: Int64) throws(ValidationError) {
        if let problem = MachineID.problem(with: machineID) { throw ValidationError("machine_id", problem) }
        if hasIdentity, identity.machineID != machineID {
            throw ValidationError("identity.machine_id", "'\(identity.machineID.prefix(40))' differs from machine_id")
        }
        if sequence == 0 { throw ValidationError("sequence", "must start at 1") }
        if source.isEmpty || source.utf8.count > 32 || source.contains(".") {
            throw ValidationError("source", "must be 1-32 characters without '.'")
        }
        if timestampMs > nowMs + limits.maxFutureSkewMs {
            throw ValidationError("timestamp_ms", "\(timestampMs) is more than \(limits.maxFutureSkewMs / 1000) s in the future")
        }
        if timestampMs < nowMs - limits.maxAgeMs {
            throw ValidationError("timestamp_ms", "\(timestampMs) is older than \(limits.maxAgeMs / 86_400_000) days")
        }
        try Self.validateIdentity(identity, limits: limits)
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
            try Self.validateLabels(reading.labels, field: "\(field).labels", limits: limits)
        }
        let processCount = processes.byCpu.count + processes.byMemory.count
        if processCount > 2 * limits.maxProcesses {
            throw ValidationError("processes", "\(processCount) entries, at most \(2 * limits.maxProcesses)")
        }
        for process in processes.byCpu + processes.byMemory where !process.cpuPercent.isFinite {
            throw ValidationError("processes.cpu_percent", "pid \(process.pid) has \(process.cpuPercent)")
        }
    }

    /// Every identity field is bounded: it is stored per machine and served on every fleet listing.
    private static func validateIdentity(_ identity: Fleetwatch_V1_MachineIdentity, limits: BatchLimits) throws(ValidationError) {
        try validateLength(identity.hostname, field: "identity.hostname", limit: limits.maxHostnameLength)
        try validateLength(identity.os, field: "identity.os", limit: limits.maxOSLength)
        try validateLength(identity.kernel, field: "identity.kernel", limit: limits.maxKernelLength)
        try validateLength(identity.agentVersion, field: "identity.agent_version", limit: limits.maxAgentVersionLength)
        if identity.cpuCores < 0 || identity.cpuCores > limits.maxCPUCores {
            throw ValidationError("identity.cpu_cores", "\(identity.cpuCores) is outside 0-\(limits.maxCPUCores)")
        }
        if identity.labels.count > limits.maxIdentityLabels {
            throw ValidationError("identity.labels", "\(identity.labels.count) labels, at most \(limits.maxIdentityLabels)")
        }
        try validateLabels(identity.labels, field: "identity.labels", limits: limits)
    }

    private static func validateLength(_ value: String, field: String, limit: Int) throws(ValidationError) {
        let length = value.utf8.count
        if length > limit { throw ValidationError(field, "\(length) bytes, at most \(limit)") }
    }

    private static func validateLabels(_ labels: [String: String], field: String, limits: BatchLimits) throws(ValidationError) {
        for (name, value) in labels {
            if name.isEmpty || name.utf8.count > limits.maxLabelNameLength {
                throw ValidationError(field, "label name '\(name.prefix(40))' must be 1-\(limits.maxLabelNameLength) bytes")
            }
            if value.utf8.count > limits.maxLabelValueLength {
                throw ValidationError(field, "label '\(name)' value is longer than \(limits.maxLabelValueLength) bytes")
            }
        }
    }
}
