import FleetCore
import Logging
import Testing
import Tracing

@testable import FleetRuntime

/// Issue 12, defect 8: with tracing not configured, every consumer logged "Spans were dropped … queue was full"
/// every ~5 s under load: swift-otel ran its batch span processor with nothing to export to. Without an OTLP
/// endpoint no processor or exporter is installed now; trace contexts are still made and passed on.
@Suite struct TracingBootstrapTests {
    @Test func withoutAnEndpointNothingIsQueuedOrExported() {
        for environment in [
            [:], ["OTEL_EXPORTER_OTLP_ENDPOINT": ""], ["OTEL_SERVICE_NAME": "persist", "OTEL_BSP_MAX_QUEUE_SIZE": "10"],
            ["OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"],
            ["OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"],
        ] {
            #expect(!Observability.Tracing.exports(environment), "\(environment)")
            let (tracer, exporter) = Observability.Tracing.backend(service: "persist", environment: environment)
            #expect(tracer is ContextOnlyTracer, "\(environment)")
            #expect(exporter == nil, "no span processor or exporter to run for \(environment)")
        }
    }

    @Test func anEndpointOrAnExporterTurnsExportOn() {
        #expect(Observability.Tracing.exports(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        #expect(Observability.Tracing.exports(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"]))
        #expect(Observability.Tracing.exports(["OTEL_TRACES_EXPORTER": "otlp"]))
    }

    /// The ids still travel: a span continues the trace it is given, with a span id of its own, and passes it on.
    @Test func contextsAreContinuedAndPassedOn() {
        let tracer = ContextOnlyTracer()
        let collector = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        var parent = ServiceContext.topLevel
        tracer.extract([TraceParent.header: collector], into: &parent, using: DictionaryCarrier())
        #expect(ContextOnlyTracer.spanContext(of: parent)?.traceParent == collector)

        let span = tracer.startSpan("normalize batch", context: parent, ofKind: .consumer, at: DefaultTracerClock.now)
        let own = ContextOnlyTracer.spanContext(of: span.context)
        #expect(own != nil)
        #expect(own?.traceID == "0af7651916cd43dd8448eb211c80319c")
        #expect(own?.spanID != "b7ad6b7169203331" && own?.spanID.count == 16)
        #expect(own?.flags == 1)
        #expect(!span.isRecording)

        var headers: [String: String] = [:]
        tracer.inject(span.context, into: &headers, using: DictionaryCarrier())
        #expect(headers[TraceParent.header] == own?.traceParent)
        #expect(headers[TraceParent.header].map(TraceParent.isValid) == true)
        span.end()

        // A span without a parent starts a trace of its own; garbage is not a parent.
        var garbage = ServiceContext.topLevel
        tracer.extract([TraceParent.header: "00-zz-yy-01"], into: &garbage, using: DictionaryCarrier())
        let root = tracer.startSpan("ingest batch", context: garbage, ofKind: .server, at: DefaultTracerClock.now)
        let rootContext = ContextOnlyTracer.spanContext(of: root.context)
        #expect(rootContext.map { TraceParent.isValid($0.traceParent) } == true)
        #expect(rootContext?.traceID != "0af7651916cd43dd8448eb211c80319c")
    }

    /// Log lines inside a span carry its ids, as with swift-otel's spans.
    @Test func logLinesCarryTheTraceID() {
        let tracer = ContextOnlyTracer()
        var parent = ServiceContext.topLevel
        tracer.extract(
            [TraceParent.header: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"], into: &parent,
            using: DictionaryCarrier())
        let span = tracer.startSpan("persist batch", context: parent, ofKind: .consumer, at: DefaultTracerClock.now)
        let metadata = ServiceContext.withValue(span.context) { ContextOnlyTracer.metadataProvider.get() }
        #expect(metadata["trace_id"] == "0af7651916cd43dd8448eb211c80319c")
        #expect(metadata["span_id"].map { "\($0)" } == ContextOnlyTracer.spanContext(of: span.context)?.spanID)
        #expect(metadata["trace_flags"] == "1")
        #expect(ContextOnlyTracer.metadataProvider.get().isEmpty)
    }

    struct DictionaryCarrier: Injector, Extractor {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }
}
