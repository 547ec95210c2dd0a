import FleetProto

extension Fleetwatch_V1_ProcessSnapshot {
    /// Removes the entries whose `cpu_percent` is not usable (`SampleValue`) and returns them: one broken entry
    /// must not cost the snapshot its other processes, nor a reader its JSON.
    mutating func removeUnusableEntries() -> [DroppedValue] {
        var dropped: [DroppedValue] = []
        func keepUsable(_ entries: inout [Fleetwatch_V1_ProcessInfo]) {
            guard entries.contains(where: { !SampleValue.isUsable($0.cpuPercent) }) else { return }
            entries.removeAll { entry in
                guard !SampleValue.isUsable(entry.cpuPercent) else { return false }
                dropped.append(DroppedValue(series: "process \(entry.pid) cpu_percent", value: entry.cpuPercent))
                return true
            }
        }
        keepUsable(&byCpu)
        keepUsable(&byMemory)
        return dropped
    }
}
