import FleetCore
import Tracing

/// W3C trace context in message headers (AMQP headers, the in-process bus's, a batch's `trace_parent`):
/// each hop continues the trace of the batch it works on, and writes its own span into what it publishes.
public enum TraceHeaders {
    /// The trace context `headers` carry (`traceparent`), as the parent of this hop's span; top level if none.
    public static func context(from headers: [String: String]) -> ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(headers, into: &context, using: HeadersCarrier())
        return context
    }

    /// The context a batch's `trace_parent` field carries (collectors start a trace per batch).
    public static func context(traceParent: String) -> ServiceContext {
        traceParent.isEmpty || !TraceParent.isValid(traceParent)
            ? .topLevel : context(from: [TraceParent.header: traceParent])
    }

    /// Writes `context` (normally the current span's) into `headers`.
    public static func inject(_ context: ServiceContext, into headers: inout [String: String]) {
        InstrumentationSystem.instrument.inject(context, into: &headers, using: HeadersCarrier())
    }

    /// The `traceparent` of `context` (normally the current span's), for a batch's `trace_parent` field; empty
    /// when no tracer is set up.
    public static func traceParent(of context: ServiceContext) -> String {
        var headers: [String: String] = [:]
        inject(context, into: &headers)
        return headers[TraceParent.header] ?? ""
    }

    struct HeadersCarrier: Injector, Extractor {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }

        func extract(key: String, from carrier: [String: String]) -> String? {
            carrier[key]
        }
    }
}
