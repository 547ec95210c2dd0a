import GRPCCore

/// The largest batch the edge takes, checked where a batch is decoded so that a larger one is answered with
/// RESOURCE_EXHAUSTED naming the limit: "batch <sequence>: message is <n> bytes, over the edge's limit of
/// 8388608 bytes (8 MiB)". The collector drops such a batch like an invalid one (it can never be accepted).
///
/// The check cannot live in the transport: grpc-swift-nio-transport (2.9.2) answers a message over its
/// `maxRequestPayloadSize` by resetting the HTTP/2 stream, which the client sees as `CANCELLED: RST_STREAM` with
/// no status. So the transport is given a higher hard cap (`transportBytes`), and everything between the two
/// limits gets this clear status; only a message above the hard cap is still reset.
public struct BatchSizeLimit: Sendable, Equatable {
    /// The edge's batch limit (docs/operations.md).
    public var maxBatchBytes: Int
    /// What the transport buffers for one message at most; above it the stream is reset without a status.
    public var transportBytes: Int

    public init(maxBatchBytes: Int = 8 << 20, transportBytes: Int? = nil) {
        self.maxBatchBytes = maxBatchBytes
        self.transportBytes = max(transportBytes ?? 4 * maxBatchBytes, maxBatchBytes)
    }

    public static let standard = BatchSizeLimit()

    /// Whether a message of `size` bytes is over the limit.
    public func refuses(size: Int) -> Bool { size > maxBatchBytes }

    /// The status for a message of `size` bytes over the limit. `sequence` is the batch's when it could still be
    /// decoded: the collector matches "batch <sequence>:" to drop that batch.
    public func refusal(size: Int, sequence: UInt64?) -> RPCError {
        let what = "message is \(size) bytes, over the edge's limit of \(maxBatchBytes) bytes (\(Self.describe(maxBatchBytes)))"
        return RPCError(code: .resourceExhausted, message: sequence.map { "batch \($0): \(what)" } ?? what)
    }

    /// "8 MiB" for whole mebibytes, else "<n> bytes".
    static func describe(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
