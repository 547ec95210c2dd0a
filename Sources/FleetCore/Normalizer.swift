import FleetProto

/// Raw batch → canonical `MetricBatch`, enriched with the machine's identity. Pure: the consumer
/// around it (FleetNormalizer) does the bus I/O.
public struct Normalizer: Sendable {
    public var limits: BatchLimits

    public init(limits: BatchLimits = .standard) {
        self.limits = limits
    }

    /// A normalized batch, the reading keys that had no canonical mapping (reported, not stored), and the
    /// values left out because they were not usable (`SampleValue`; reported and counted, not stored).
    public struct Result: Sendable {
        public var batch: Fleetwatch_V1_MetricBatch
        public var unknownKeys: [String]
        public var dropped: [DroppedValue]
    }

    /// Throws `ValidationError` for a batch that must go to the dead-letter queue. A bad value is not a bad
    /// batch: non-finite readings, and canonical values that scaling pushed out of range, are left out and
    /// reported in `Result.dropped`, and the batch goes on with everything else.
    public func normalize(_ raw: Fleetwatch_V1_RawBatch, receivedMs: Int64, nowMs: Int64) throws(ValidationError) -> Result {
        // The edge refuses non-finite readings; only a batch published straight on fleet.raw gets here with one.
        var raw = raw
        var dropped = raw.removeNonFiniteValues()
        try raw.validate(limits: limits, nowMs: nowMs)
        let output: ProcNormalization.Output
        switch raw.source {
        case ProcReading.source:
            output = ProcNormalization.normalize(raw.readings, timestampMs: raw.timestampMs)
        case NodeExporterReading.source:
            output = NodeExporterNormalization.normalize(raw.readings, timestampMs: raw.timestampMs)
        default:
            throw ValidationError(
                "source", "unknown source '\(raw.source)'; known: \(NodeExporterReading.knownSources.joined(separator: ", "))")
        }
        var batch = Fleetwatch_V1_MetricBatch()
        batch.machine = raw.identity
        batch.machine.machineID = raw.machineID
        batch.sequence = raw.sequence
        batch.timestampMs = raw.timestampMs
        batch.samples = output.samples
        if raw.hasProcesses { batch.processes = raw.processes }
        batch.receivedMs = receivedMs
        batch.refusedSeries = raw.refusedSeries
        dropped += output.dropped
        return Result(batch: batch, unknownKeys: output.unknownKeys, dropped: dropped)
    }
}
