import FleetSettings
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The HTTP side of every long-running process: /healthz (alive), /readyz (ready for traffic, per
/// `Readiness`), /metrics (Prometheus text format).
public struct HealthServer: Service {
    public let host: String
    public let port: Int
    private let readiness: Readiness
    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let extraRoutes: @Sendable (Router<BasicRequestContext>) -> Void

    /// - Parameter extraRoutes: adds a process's own operator endpoints (e.g. the edge's /admin).
    public init(
        address: HostPort, readiness: Readiness, registry: PrometheusCollectorRegistry, logger: Logger,
        extraRoutes: @escaping @Sendable (Router<BasicRequestContext>) -> Void = { _ in }
    ) {
        self.host = address.host
        self.port = address.port
        self.readiness = readiness
        self.registry = registry
        self.logger = logger
        self.extraRoutes = extraRoutes
    }

    public func run() async throws {
        let router = Router()
        HealthRoutes(readiness: readiness, registry: registry).add(to: router)
        extraRoutes(router)
        let logger = self.logger
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                logger.info("health endpoints listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
            },
            logger: logger
        )
        do {
            try await app.run()
        } catch is CancellationError {
            // The process is stopping: the health endpoints go last and need not finish cleanly.
        }
    }
}

/// /healthz, /readyz and /metrics on any router: `HealthServer` serves them on their own port, the gateway
/// beside its API.
public struct HealthRoutes: Sendable {
    public let readiness: Readiness
    public let registry: PrometheusCollectorRegistry

    public init(readiness: Readiness, registry: PrometheusCollectorRegistry) {
        self.readiness = readiness
        self.registry = registry
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { [readiness] _, _ -> Response in
            let unmet = readiness.unmet
            if unmet.isEmpty { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n"))) }
            return Response(
                status: .serviceUnavailable,
                body: .init(byteBuffer: ByteBuffer(string: "not ready: \(unmet.joined(separator: ", "))\n")))
        }
        router.get("/metrics") { [registry] _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: MetricsExposition.render(registry))))
        }
    }
}
