import FleetLogging
import Logging
import Metrics
import Prometheus

/// Process-wide logging and metrics set-up, done once at start by every long-running subcommand.
public enum Observability {
    /// Installs JSON logs on standard error and a Prometheus registry as the metrics backend.
    /// Returns the registry that the health server exposes on /metrics.
    @discardableResult
    public static func bootstrap(service: String, level: Logger.Level = .info) -> PrometheusCollectorRegistry {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, service: service, level: level) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
