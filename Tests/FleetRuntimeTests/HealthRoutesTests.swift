import FleetRuntime
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// /healthz, /readyz and /metrics as every process serves them.
@Suite struct HealthRoutesTests {
    private func application(_ readiness: Readiness) -> some ApplicationProtocol {
        let router = Router()
        HealthRoutes(readiness: readiness, registry: PrometheusCollectorRegistry()).add(to: router)
        return Application(router: router)
    }

    @Test func readyzIs503NamingTheUnmetConditionsUntilAllHold() async throws {
        let readiness = Readiness(["database", "amqp"])
        try await application(readiness).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok, "alive even when not ready")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "not ready: amqp, database\n")
            }
            readiness.set("amqp", true)
            readiness.set("database", true)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ready\n")
            }
        }
    }

    @Test func metricsAreInPrometheusTextFormat() async throws {
        try await application(Readiness()).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4")
            }
        }
    }
}
