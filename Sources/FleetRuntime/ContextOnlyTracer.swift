import FleetCore
import Logging
import Tracing
import W3CTraceContext

/// The tracer of a process that exports no spans (no OTLP endpoint configured): it makes and passes on W3C
/// trace contexts — a span continues the trace it is given with a span id of its own, `inject` writes the
/// `traceparent` of the current span, `extract` reads one — and records nothing. No span processor, no exporter,
/// no queue: ending a span costs nothing and nothing can be dropped. (swift-otel without an exporter still runs
/// its batch span processor, whose queue filled under load and logged "Spans were dropped … queue was full"
/// every 5 s in every consumer.)
///
/// The ids still travel with the data and appear in the log lines (`metadataProvider`), so `grep <trace_id>` over
/// the logs follows a batch whether or not spans are exported.
public struct ContextOnlyTracer: Tracer {
    public typealias Span = ContextOnlySpan

    public init() {}

    /// The identity of a span: what `traceparent` carries.
    public struct SpanContext: Sendable, Equatable {
        /// 32 lowercase hex digits.
        public var traceID: String
        /// 16 lowercase hex digits.
        public var spanID: String
        /// The trace flags byte (bit 0: sampled).
        public var flags: UInt8

        /// The `traceparent` header value: `00-<trace id>-<span id>-<flags>`.
        public var traceParent: String {
            let flagDigits = String(flags, radix: 16)
            return "00-\(traceID)-\(spanID)-\(flagDigits.count == 1 ? "0" : "")\(flagDigits)"
        }

        /// Parses a version-00 `traceparent`; nil when it is not one (`TraceParent.isValid`).
        public init?(traceParent: String) {
            // Parsed once (this runs for every batch at every hop).
            guard let parsed = try? TraceContext(traceParentHeaderValue: traceParent) else { return nil }
            self.init(traceID: parsed.traceID.description, spanID: parsed.spanID.description, flags: parsed.flags.rawValue)
        }

        public init(traceID: String, spanID: String, flags: UInt8) {
            self.traceID = traceID
            self.spanID = spanID
            self.flags = flags
        }
    }

    /// Where a context keeps its span's identity.
    enum SpanContextKey: ServiceContextKey {
        typealias Value = SpanContext
        static var nameOverride: String? { "fleetwatch-span-context" }
    }

    /// The span identity `context` carries, if any.
    public static func spanContext(of context: ServiceContext) -> SpanContext? { context[SpanContextKey.self] }

    /// `trace_id`, `span_id` and `trace_flags` of the current span for every log line, as swift-otel's provider
    /// writes them for its own spans.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let span = ServiceContext.current.flatMap(spanContext(of:)) else { return [:] }
        return ["trace_id": "\(span.traceID)", "span_id": "\(span.spanID)", "trace_flags": "\(span.flags)"]
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> ContextOnlySpan {
        var context = context()
        let parent = context[SpanContextKey.self]
        // Only the ids a span needs are drawn and formatted: a new span id, and a trace id for a new trace.
        var generator = SystemRandomNumberGenerator()
        let spanID = SpanID.random(using: &generator).description
        let traceID = parent?.traceID ?? TraceID.random(using: &generator).description
        context[SpanContextKey.self] = SpanContext(traceID: traceID, spanID: spanID, flags: parent?.flags ?? 1)
        return ContextOnlySpan(context: context, operationName: operationName)
    }

    public func forceFlush() {}

    public func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        guard let span = context[SpanContextKey.self] else { return }
        injector.inject(span.traceParent, forKey: TraceParent.header, into: &carrier)
    }

    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {
        guard let value = extractor.extract(key: TraceParent.header, from: carrier),
            let span = SpanContext(traceParent: value)
        else { return }
        context[SpanContextKey.self] = span
    }
}

/// A span of `ContextOnlyTracer`: an identity in its context, nothing recorded.
public struct ContextOnlySpan: Tracing.Span {
    public let context: ServiceContext
    private let name: String

    init(context: ServiceContext, operationName: String) {
        self.context = context
        self.name = operationName
    }

    public var operationName: String {
        get { name }
        nonmutating set {}
    }

    public var isRecording: Bool { false }

    public var attributes: SpanAttributes {
        get { [:] }
        nonmutating set {}
    }

    public func setStatus(_ status: SpanStatus) {}
    public func addEvent(_ event: SpanEvent) {}
    public func addLink(_ link: SpanLink) {}
    public func recordError<Instant: TracerInstant>(
        _ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {}
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {}
}
