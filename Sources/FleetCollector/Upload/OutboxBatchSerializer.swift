import GRPCCore

/// Sends an outbox batch's stored bytes as the `RawBatch` message of `Ingest.Publish`, without decoding and
/// encoding it again (the edge decodes them as any `RawBatch`).
struct OutboxBatchSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: OutboxBatch) throws -> Bytes {
        Bytes(message.bytes)
    }
}
