/// A batch as the outbox holds it: its sequence and its serialized `RawBatch`, exactly the bytes written to its
/// file. The uploader sends these bytes as they are (`OutboxBatchSerializer`), so a batch is encoded once per tick.
public struct OutboxBatch: Sendable, Equatable {
    public var sequence: UInt64
    public var bytes: [UInt8]

    public init(sequence: UInt64, bytes: [UInt8]) {
        self.sequence = sequence
        self.bytes = bytes
    }
}
