/// A point-in-time copy of the collector's counters, for logs and for export to Prometheus.
public struct CollectorStatistics: Sendable, Equatable {
    /// Batches produced by the tick loop.
    public var batchesCollected = 0
    /// Batches written to a Publish stream (resends included).
    public var batchesSent = 0
    /// Batches the edge acknowledged.
    public var batchesAcked = 0
    /// Batches dropped because the outbox was full (or a stored batch was unreadable).
    public var batchesDropped = 0
    /// Batches the edge refused as invalid and that were discarded.
    public var batchesRejected = 0
    /// Unacked batches waiting in the outbox.
    public var bufferDepth = 0
    /// Bytes of unacked batches in the outbox.
    public var bufferBytes = 0
    /// Publish streams started after a failed one (each reconnection attempt).
    public var reconnects = 0
    /// Whether a Publish stream is currently open.
    public var connected = false
    /// CPU time of the last collection tick.
    public var lastTickCPU: Duration = .zero
    /// Readings in the last batch.
    public var lastTickReadings = 0
    /// Readings of the last acked batch the edge refused: new series past the machine's series limit.
    public var refusedSeries = 0

    public init() {}
}
