import FleetProto

extension Fleetwatch_V1_MetricBatch {
    /// Removes the samples and process entries whose value is not usable (`SampleValue`) and returns what it
    /// removed. Every consumer of fleet.metrics calls this at its boundary, because anyone with broker access
    /// can publish there: one bad value costs its batch nothing else (no dead-lettered batch, no failing reader).
    public mutating func removeUnusableValues() -> [DroppedValue] {
        var dropped: [DroppedValue] = []
        if samples.contains(where: { !SampleValue.isUsable($0.value) }) {
            samples.removeAll { sample in
                guard !SampleValue.isUsable(sample.value) else { return false }
                dropped.append(DroppedValue(metric: sample.name, labels: sample.labels, value: sample.value))
                return true
            }
        }
        // Only touched when present: assigning to `processes` would create an empty snapshot.
        if hasProcesses { dropped += processes.removeUnusableEntries() }
        return dropped
    }
}
