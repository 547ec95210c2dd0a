import FleetProto

/// Raw batch → canonical `MetricBatch`, enriched with the machine's identity. Pure: the consumer
/// around it (FleetNormalizer) does the bus I/O.
public struct Normalizer: Sendable {
    public var limits: BatchLimits

    public init(limits: BatchLimits = .standard) {
        self.limits = limits
    }

    /// A normalized batch and the reading keys that had no canonical mapping (reported, not stored).
    public struct Result: Sendable {
        public var batch: Fleetwatch_V1_MetricBatch
        public var unknownKeys: [String]
    }

    /// Throws `ValidationError` for a batch that must go to the dead-letter queue.
    public func normalize(_ raw: Fleetwatch_V1_RawBatch, receivedMs: Int64, nowMs: Int64) throws(ValidationError) -> Result {
        try raw.validate(limits: limits, nowMs: nowMs)
        let output: ProcNormalization.Output
        switch raw.source {
        case ProcReading.source:
            output = ProcNormalization.normalize(raw.readings, timestampMs: raw.timestampMs)
        default:
            throw ValidationError("source", "unknown source '\(raw.source)'; known: \(ProcReading.source)")
        }
        var batch = Fleetwatch_V1_MetricBatch()
        batch.machine = raw.identity
        batch.machine.machineID = raw.machineID
        batch.sequence = raw.sequence
        batch.timestampMs = raw.timestampMs
        batch.samples = output.samples
        if raw.hasProcesses { batch.processes = raw.processes }
        batch.receivedMs = receivedMs
        return Result(batch: batch, unknownKeys: output.unknownKeys)
    }
}
