import FleetLogging
import Foundation
import Logging
import Metrics
import OTel
import Prometheus
import ServiceLifecycle
import Synchronization
import Tracing

/// Process-wide logging, metrics and tracing, set up once at start by every long-running subcommand.
public enum Observability {
    /// Bounds the malloc arenas (`MallocArenas`), installs JSON logs on standard error (with the current span's trace_id and span_id), a Prometheus
    /// registry as the metrics backend, and the tracer (`Tracing`). Returns the registry that the health
    /// server exposes on /metrics.
    @discardableResult
    public static func bootstrap(service: String, level: Logger.Level = .info) -> PrometheusCollectorRegistry {
        MallocArenas.limit()
        // The trace ids of the current span, whichever tracer made it: swift-otel's when spans are exported, the
        // context-only tracer's otherwise.
        let traceIDs = Logger.MetadataProvider.multiplex([
            OTel.makeLoggingMetadataProvider(), ContextOnlyTracer.metadataProvider,
        ])
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, service: service, level: level, metadataProvider: traceIDs)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        Tracing.bootstrap(service: service)
        return registry
    }

    /// Background work of every long-running process, for its service group: the span exporter the bootstrap
    /// started (it runs first and stops last, so the spans of a draining shutdown are still exported) and the
    /// periodic malloc trim (`MallocTrimService`).
    public static var services: [any Service] {
        Tracing.service.withLock { $0.map { [$0] } ?? [] } + (MallocTrimService.enabled() ? [MallocTrimService()] : [])
    }

    /// W3C trace context everywhere; spans exported over OTLP/HTTP when an endpoint is configured with the
    /// standard variables (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, protocol
    /// OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf by default, or http/json). Without one, the `ContextOnlyTracer`:
    /// spans are still made — their ids travel with the data and appear in the logs — but nothing is recorded,
    /// queued or exported (no span processor runs, so none can drop spans or log that it did).
    enum Tracing {
        static let service = Mutex<(any Service)?>(nil)

        static func bootstrap(service name: String) {
            let (tracer, exporter) = backend(service: name, environment: ProcessInfo.processInfo.environment)
            InstrumentationSystem.bootstrap(tracer)
            Self.service.withLock { $0 = exporter }
        }

        /// True when `environment` asks for span export: an OTLP endpoint, or an exporter named in
        /// OTEL_TRACES_EXPORTER (alone it means the default http://localhost:4318); not when that is `none` or
        /// OTEL_SDK_DISABLED is `true`.
        static func exports(_ environment: [String: String]) -> Bool {
            if environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return false }
            if let exporter = environment["OTEL_TRACES_EXPORTER"], !exporter.isEmpty {
                return exporter.lowercased() != "none"
            }
            return ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
                .contains { !(environment[$0] ?? "").isEmpty }
        }

        /// The tracer to install and the service that exports its spans: swift-otel's batch processor and OTLP
        /// exporter when `environment` asks for export and this build can honour it, otherwise the
        /// `ContextOnlyTracer` and nothing to run.
        static func backend(service name: String, environment: [String: String]) -> (tracer: any Tracer, exporter: (any Service)?) {
            guard exports(environment) else { return (ContextOnlyTracer(), nil) }
            var configuration = OTel.Configuration.default
            configuration.serviceName = name
            configuration.logs.enabled = false
            configuration.metrics.enabled = false
            configuration.diagnosticLogger = .custom(Logger(label: "fleetwatch.tracing"))
            do {
                let (tracer, exporter) = try OTel.makeTracingBackend(configuration: configuration)
                return (tracer, exporter)
            } catch {
                // Export settings this build cannot honour (say OTEL_EXPORTER_OTLP_PROTOCOL=grpc: only OTLP/HTTP is
                // built in): keep making and passing on trace contexts, so the traces of the other services stay whole.
                Logger(label: "fleetwatch.tracing").error(
                    "span export disabled: the OTEL_* settings cannot be used", metadata: ["error": "\(error)"])
                return (ContextOnlyTracer(), nil)
            }
        }
    }
}
