import FleetProto
import GRPCCore
import GRPCProtobuf
import Metrics

/// Decodes `RawBatch`es for the edge, refusing any over the batch size limit with RESOURCE_EXHAUSTED
/// (counted in `fleetwatch_ingest_batches_total{result="too_large"}`).
struct SizeLimitedBatchDeserializer: MessageDeserializer {
    let limit: BatchSizeLimit
    private let decoder = ProtobufDeserializer<Fleetwatch_V1_RawBatch>()

    init(limit: BatchSizeLimit) {
        self.limit = limit
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Fleetwatch_V1_RawBatch {
        let size = serializedMessageBytes.count
        guard limit.refuses(size: size) else { return try decoder.deserialize(serializedMessageBytes) }
        // Decoded only to name the batch; the transport's hard cap bounds what this costs.
        let sequence = (try? decoder.deserialize(serializedMessageBytes))?.sequence
        Counter(label: "fleetwatch_ingest_batches_total", dimensions: [("result", "too_large")]).increment()
        throw limit.refusal(size: size, sequence: sequence)
    }
}
