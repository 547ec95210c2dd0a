import FleetProto

extension Fleetwatch_V1_MachineIdentity {
    /// Checks the bounded fields of an identity: it is stored per machine and served on every fleet listing, so
    /// each string, the core count and the labels have a limit (`BatchLimits`). `field` names the identity in
    /// errors: `identity` at the edge (RawBatch), `machine` on fleet.metrics (MetricBatch). The machine id is the
    /// caller's to check: where it lives differs between the two.
    ///
    /// Only sizes are checked, not content: a hostname like `<script>` is text to store and show, and every
    /// reader of it (the dashboard) treats it as text.
    public func validateFields(limits: BatchLimits = .standard, field: String = "identity") throws(ValidationError) {
        try limits.checkLength(hostname, field: "\(field).hostname", limit: limits.maxHostnameLength)
        try limits.checkLength(os, field: "\(field).os", limit: limits.maxOSLength)
        try limits.checkLength(kernel, field: "\(field).kernel", limit: limits.maxKernelLength)
        try limits.checkLength(agentVersion, field: "\(field).agent_version", limit: limits.maxAgentVersionLength)
        if cpuCores < 0 || cpuCores > limits.maxCPUCores {
            throw ValidationError("\(field).cpu_cores", "\(cpuCores) is outside 0-\(limits.maxCPUCores)")
        }
        if labels.count > limits.maxIdentityLabels {
            throw ValidationError("\(field).labels", "\(labels.count) labels, at most \(limits.maxIdentityLabels)")
        }
        try limits.checkLabels(labels, field: "\(field).labels")
    }
}
