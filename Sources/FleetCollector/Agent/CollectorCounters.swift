import Synchronization

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
