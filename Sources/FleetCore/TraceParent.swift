import W3CTraceContext

/// W3C trace context (`traceparent: 00-<trace id>-<parent id>-<flags>`) for the places that start a trace
/// without linking a tracer: the portable collector starts one per batch, and the services continue it
/// (their tracer takes the value as the remote parent of their spans). Reading and writing the header is
/// swift-w3c-trace-context's `TraceContext`; this keeps the string-level API the callers use.
public enum TraceParent {
    public static let header = "traceparent"

    /// A new sampled context with random ids.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> String {
        TraceContext(
            traceID: .random(using: &generator), spanID: .random(using: &generator), flags: .sampled,
            state: TraceState()
        ).traceParentHeaderValue
    }

    /// True for a well-formed version-00 value (lowercase hex) with non-zero ids.
    public static func isValid(_ value: String) -> Bool {
        (try? TraceContext(traceParentHeaderValue: value)) != nil
    }
}
