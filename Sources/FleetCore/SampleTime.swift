import FleetProto

/// When a sample happened and when its machine was last seen: the one rule every hop applies, so the
/// stores, the alert engine and the live view agree on every sample's time.
public enum SampleTime {
    /// A sample's own timestamp, or its batch's when the sample carries none (0).
    public static func milliseconds(of sample: Fleetwatch_V1_Sample, in batch: Fleetwatch_V1_MetricBatch) -> Int64 {
        sample.timestampMs != 0 ? sample.timestampMs : batch.timestampMs
    }

    /// A process snapshot's own timestamp, or its batch's.
    public static func milliseconds(of snapshot: Fleetwatch_V1_ProcessSnapshot, in batch: Fleetwatch_V1_MetricBatch)
        -> Int64
    {
        snapshot.timestampMs != 0 ? snapshot.timestampMs : batch.timestampMs
    }

    /// When the edge received the batch, or the batch's own time when no edge stamped it: what
    /// "last seen" means for its machine.
    public static func seenMilliseconds(of batch: Fleetwatch_V1_MetricBatch) -> Int64 {
        batch.receivedMs > 0 ? batch.receivedMs : batch.timestampMs
    }
}
