/// What one `MetricStore.persist(_:)` call did: redelivered batches show up as duplicates, never as rows.
public struct PersistResult: Sendable, Equatable {
    /// Samples written for the first time.
    public var samplesInserted: Int
    /// Samples already stored (same machine, metric, labels and timestamp) and therefore skipped.
    public var samplesDuplicate: Int
    /// Batches whose (machine, sequence) had not been persisted before.
    public var batchesNew: Int
    /// Batches persisted before (a redelivery).
    public var batchesDuplicate: Int

    public init(samplesInserted: Int = 0, samplesDuplicate: Int = 0, batchesNew: Int = 0, batchesDuplicate: Int = 0) {
        self.samplesInserted = samplesInserted
        self.samplesDuplicate = samplesDuplicate
        self.batchesNew = batchesNew
        self.batchesDuplicate = batchesDuplicate
    }
}
