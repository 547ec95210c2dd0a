import GRPCCore

/// How the edge refuses one batch: it ends the stream with INVALID_ARGUMENT (outside the batch limits) or
/// RESOURCE_EXHAUSTED (larger than the edge's message limit) and a message "batch <sequence>: <reason>".
/// Either way that batch can never be accepted. Anything else is not a rejection of a specific batch.
public enum BatchRejection {
    /// The sequence named by a rejection, or nil if `error` is not one.
    public static func rejectedSequence(in error: RPCError) -> UInt64? {
        guard error.code == .invalidArgument || error.code == .resourceExhausted else { return nil }
        return rejectedSequence(inMessage: error.message)
    }

    public static func rejectedSequence(inMessage message: String) -> UInt64? {
        guard message.hasPrefix("batch ") else { return nil }
        let digits = message.dropFirst(6).prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, message.dropFirst(6 + digits.count).hasPrefix(":") else { return nil }
        return UInt64(digits)
    }
}
