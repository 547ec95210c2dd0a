import FleetProto

/// Turns a batch of the "node_exporter" source into canonical samples: readings in the proc vocabulary go through
/// `ProcNormalization` (the same names, units and derived figures as the Linux collector's), and pass-through
/// families become samples under their own names, with their labels. Unusable values are left out and reported.
public enum NodeExporterNormalization {
    public static func normalize(_ readings: [Fleetwatch_V1_Reading], timestampMs: Int64) -> ProcNormalization.Output {
        var out = ProcNormalization.normalize(readings, timestampMs: timestampMs)
        let unknown = Set(out.unknownKeys)
        guard !unknown.isEmpty else { return out }
        out.unknownKeys = []
        for reading in readings where unknown.contains(reading.key) {
            guard NodeExporterReading.isPassThrough(reading.key) else {
                out.unknownKeys.append(reading.key)
                continue
            }
            guard SampleValue.isUsable(reading.value) else {
                out.dropped.append(DroppedValue(metric: reading.key, labels: reading.labels, value: reading.value))
                continue
            }
            var sample = Fleetwatch_V1_Sample()
            sample.name = reading.key
            sample.labels = reading.labels
            sample.value = reading.value
            sample.timestampMs = timestampMs
            out.samples.append(sample)
        }
        return out
    }
}
