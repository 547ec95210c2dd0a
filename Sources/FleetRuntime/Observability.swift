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
    /// Installs JSON logs on standard error (with the current span's trace_id and span_id), a Prometheus
    /// registry as the metrics backend, and the tracer (`Tracing`). Returns the registry that the health
    /// server exposes on /metrics.
    @discardableResult
    public static func bootstrap(service: String, level: Logger.Level = .info) -> PrometheusCollectorRegistry {
        let traceIDs = OTel.makeLoggingMetadataProvider()
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, service: service, level: level, metadataProvider: traceIDs)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        Tracing.bootstrap(service: service)
        return registry
    }

    /// Background work the bootstrap started (the span exporter), for the process's service group: it runs
    /// first and stops last, so the spans of a draining shutdown are still exported.
    public static var services: [any Service] { Tracing.service.withLock { $0.map { [$0] } ?? [] } }

    /// W3C trace context everywhere; spans exported over OTLP/HTTP when an endpoint is configured with the
    /// standard variables (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, protocol
    /// OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf by default, or http/json). Without one, spans are still
    /// made — their ids travel with the data and appear in the logs — but not exported.
    enum Tracing {
        static let service = Mutex<(any Service)?>(nil)

        static func bootstrap(service name: String) {
            let environment = ProcessInfo.processInfo.environment
            var configuration = OTel.Configuration.default
            configuration.serviceName = name
            configuration.logs.enabled = false
            configuration.metrics.enabled = false
            configuration.diagnosticLogger = .custom(Logger(label: "fleetwatch.tracing"))
            let exporting = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER"]
                .contains { !(environment[$0] ?? "").isEmpty }
            if !exporting { configuration.traces.exporter = .none }
            do {
                try install(configuration)
            } catch {
                // Export settings this build cannot honour (say OTEL_EXPORTER_OTLP_PROTOCOL=grpc: only OTLP/HTTP is
                // built in): keep making and passing on trace contexts, so the traces of the other services stay whole.
                Logger(label: "fleetwatch.tracing").error(
                    "span export disabled: the OTEL_* settings cannot be used", metadata: ["error": "\(error)"])
                configuration.traces.exporter = .none
                do { try install(configuration) } catch {
                    Logger(label: "fleetwatch.tracing").error("tracing disabled", metadata: ["error": "\(error)"])
                }
            }
        }

        private static func install(_ configuration: OTel.Configuration) throws {
            let (tracer, exporter) = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(tracer)
            Self.service.withLock { $0 = exporter }
        }
    }
}
