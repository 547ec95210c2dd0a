import FleetProto

extension Fleetwatch_V1_RawBatch {
    /// Removes the readings whose value is not finite and the process entries whose `cpu_percent` is not usable,
    /// and returns what it removed. The edge refuses such a batch outright, so its sender learns why at once;
    /// the normalizer calls this before validating, so a batch published straight on fleet.raw loses only those
    /// values instead of going to the dead-letter queue with all its good readings.
    public mutating func removeNonFiniteValues() -> [DroppedValue] {
        var dropped: [DroppedValue] = []
        if readings.contains(where: { !$0.value.isFinite }) {
            readings.removeAll { reading in
                guard !reading.value.isFinite else { return false }
                dropped.append(DroppedValue(metric: reading.key, labels: reading.labels, value: reading.value))
                return true
            }
        }
        if hasProcesses { dropped += processes.removeUnusableEntries() }
        return dropped
    }
}
