import Synchronization

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
    /// Publish streams opened after a failure.
    public var reconnects = 0
    /// Whether a Publish stream is currently open.
    public var connected = false
    /// CPU time of the last collection tick.
    public var lastTickCPU: Duration = .zero
    /// Readings in the last batch.
    public var lastTickReadings = 0

    public init() {}
}

/// The live counters behind `CollectorStatistics`, updated by the tick loop and the uploader.
public final class CollectorCounters: Sendable {
    private let state = Mutex(CollectorStatistics())

    public init() {}

    public func update(_ body: (inout CollectorStatistics) -> Void) {
        state.withLock { body(&$0) }
    }

    /// The counters, with the outbox figures taken from `buffer` when given.
    public func snapshot(buffer: BatchBuffer? = nil) -> CollectorStatistics {
        var copy = state.withLock { $0 }
        if let buffer {
            copy.bufferDepth = buffer.depth
            copy.bufferBytes = buffer.byteCount
            copy.batchesDropped = buffer.droppedBatches
            copy.batchesRejected = buffer.rejectedBatches
        }
        return copy
    }
}
