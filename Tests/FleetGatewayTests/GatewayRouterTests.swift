import FleetCore
import FleetFanout
import FleetGateway
import FleetProto
import FleetRuntime
import FleetStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// A store that answers history with one canned point per query and records what it was asked.
final class CannedStore: MetricStore, AlertStore {
    /// The min, max and sum of every point (of 2 samples).
    let point: (min: Double, max: Double, sum: Double)

    init(point: (min: Double, max: Double, sum: Double) = (1, 3, 4)) { self.point = point }

    func record(_ transitions: [Fleetwatch_V1_AlertTransition]) async throws {}
    func alerts(_ filter: Fleetwatch_V1_ListAlertsRequest) async throws -> [Fleetwatch_V1_Alert] { [] }
    func alert(id: String) async throws -> Fleetwatch_V1_Alert? { nil }
    func migrate() async throws {}
    func persist(_ batches: [Fleetwatch_V1_MetricBatch]) async throws -> PersistResult { throw StoreError.unavailable(operation: "canned", detail: "test") }
    func rollUp(now: Date) async throws -> RollupReport { RollupReport() }
    func applyRetention(now: Date) async throws -> RetentionReport { throw StoreError.unavailable(operation: "canned", detail: "test") }
    func latest(machine: String) async throws -> [LatestSample] { [] }
    func history(
        machine: String, metric: String, labels: [String: String], from: Date, to: Date, step: Duration?
    ) async throws -> MetricHistory {
        MetricHistory(
            resolution: .minute, step: .seconds(60),
            points: [HistoryPoint(time: from, min: point.min, max: point.max, sum: point.sum, count: 2)])
    }
    func machines() async throws -> [MachineRecord] { [] }
    func retire(machine: String, at: Date) async throws -> Bool { false }
    func latestProcesses(machine: String) async throws -> Fleetwatch_V1_ProcessSnapshot? { nil }
    func sequenceAccounting(machine: String) async throws -> SequenceAccounting { throw StoreError.unavailable(operation: "canned", detail: "test") }
}

@Suite struct GatewayRouterTests {
    static let webRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../web").standardized.path
    let nowMs: Int64 = 1_800_000_000_000

    func application(hub: LiveHub, store: CannedStore = CannedStore()) -> some ApplicationProtocol {
        let nowMs = self.nowMs
        let server = GatewayServer(
            configuration: .init(
                host: "127.0.0.1", port: 0, web: WebFiles(root: Self.webRoot),
                thresholds: .init(staleAfter: .seconds(15), offlineAfter: .seconds(60)), gatewayID: "gw-test"),
            hub: hub, store: store, config: nil,
            health: HealthRoutes(readiness: Readiness([]), registry: PrometheusCollectorRegistry()),
            logger: .init(label: "test"), now: { nowMs })
        return Application(router: server.makeRouter())
    }

    func hubWithMachines() -> LiveHub {
        let hub = LiveHub()
        for (id, hostname, age) in [("m1", "<img src=x onerror=alert(1)>", Int64(1000)), ("m2", "beta", 30_000), ("m3", "alpha", 600_000)] {
            hub.apply(
                .with {
                    $0.machine = .with {
                        $0.machineID = id
                        $0.hostname = hostname
                    }
                    $0.timestampMs = nowMs - age
                    $0.samples = [
                        .with {
                            $0.name = MetricName.cpuUsagePercent
                            $0.labels = ["cpu": "total"]
                            $0.value = 12.5
                            $0.timestampMs = nowMs - age
                        }
                    ]
                })
        }
        return hub
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func machinesWithStatusAndSummaryInHostnameOrder() async throws {
        try await application(hub: hubWithMachines()).test(.router) { client in
            try await client.execute(uri: "/api/v1/machines", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try json(response.body)
                let machines = try #require(body["machines"] as? [[String: Any]])
                #expect(machines.map { $0["machine_id"] as? String } == ["m1", "m3", "m2"])
                #expect(machines.map { $0["status"] as? String } == ["online", "offline", "stale"])
                let summary = try #require(machines.first?["summary"] as? [String: Any])
                #expect(summary["cpu_percent"] as? Double == 12.5)
                #expect(summary["mem_percent"] is NSNull)
                #expect(body["stale_after_s"] as? Int == 15)
            }
        }
    }

    @Test func machineDetailAndItsErrors() async throws {
        try await application(hub: hubWithMachines()).test(.router) { client in
            try await client.execute(uri: "/api/v1/machines/m2", method: .get) { response in
                let body = try json(response.body)
                #expect((body["latest"] as? [[String: Any]])?.first?["metric"] as? String == MetricName.cpuUsagePercent)
                #expect(body["processes"] is NSNull)
            }
            try await client.execute(uri: "/api/v1/machines/nope", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try json(response.body)
                #expect(body["error"] as? String == "no machine 'nope'")
            }
        }
    }

    @Test func historyAnswersFromTheStoreAndRefusesBadParameters() async throws {
        try await application(hub: hubWithMachines()).test(.router) { client in
            try await client.execute(
                uri: "/api/v1/machines/m1/history?metric=cpu.usage_percent&label=cpu%3Atotal&range=6h", method: .get
            ) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                #expect(body["resolution"] as? String == "minute")
                #expect(body["step_s"] as? Int == 60)
                #expect(body["labels"] as? [String: String] == ["cpu": "total"])
                #expect(body["to_ms"] as? Int64 == nowMs)
                let point = try #require((body["points"] as? [[String: Any]])?.first)
                #expect(point["avg"] as? Double == 2)
                #expect(point["t"] as? Int64 == nowMs - 6 * 3_600_000)
            }
            try await client.execute(uri: "/api/v1/machines/m1/history?metric=cpu.usage_percent&step=soon", method: .get) {
                response in
                #expect(response.status == .badRequest)
                let body = try json(response.body)
                #expect(body["parameter"] as? String == "step")
            }
            try await client.execute(uri: "/api/v1/machines/nope/history?metric=load.1m", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    /// Issue 12, defect 1: an Inf taken into the live view made /api/v1/machines answer 500 (JSON has no Inf),
    /// and the dashboard showed "Could not load machines" for the whole fleet.
    @Test func machinesAnswerWhateverValuesWerePublished() async throws {
        let hub = hubWithMachines()
        hub.apply(
            .with {
                $0.machine = .with { $0.machineID = "m1" }
                $0.timestampMs = nowMs
                $0.samples = [
                    .with {
                        $0.name = MetricName.cpuUsagePercent
                        $0.labels = ["cpu": "total"]
                        $0.value = .infinity
                        $0.timestampMs = nowMs
                    },
                    .with {
                        $0.name = MetricName.memUsedPercent
                        $0.value = .nan
                        $0.timestampMs = nowMs
                    },
                ]
            })
        try await application(hub: hub).test(.router) { client in
            try await client.execute(uri: "/api/v1/machines", method: .get) { response in
                #expect(response.status == .ok)
                let machines = try #require(try json(response.body)["machines"] as? [[String: Any]])
                #expect(machines.count == 3)
                let summary = try #require(machines.first?["summary"] as? [String: Any])
                #expect(summary["cpu_percent"] as? Double == 12.5)
            }
            try await client.execute(uri: "/api/v1/machines/m1", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    /// No stored value can make a read endpoint fail: a non-finite aggregate is answered as null.
    @Test func historyAnswersNonFiniteStoredValuesAsNull() async throws {
        let store = CannedStore(point: (min: -.infinity, max: .infinity, sum: .nan))
        try await application(hub: hubWithMachines(), store: store).test(.router) { client in
            try await client.execute(uri: "/api/v1/machines/m1/history?metric=cpu.usage_percent", method: .get) {
                response in
                #expect(response.status == .ok)
                let point = try #require((try json(response.body)["points"] as? [[String: Any]])?.first)
                #expect(point["min"] is NSNull && point["max"] is NSNull && point["avg"] is NSNull)
                #expect(point["count"] as? Int == 2)
            }
        }
    }

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        try await application(hub: hubWithMachines()).test(.router) { client in
            for uri in ["/", "/api/v1/machines", "/api/v1/machines/nope", "/healthz"] {
                try await client.execute(uri: uri, method: .get) { response in
                    let policy = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(policy.contains("script-src 'self'"), "\(uri)")
                    #expect(!policy.contains("unsafe-inline"), "\(uri)")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                }
            }
        }
    }

    @Test func servesTheDashboardAndTheOpenAPIDocument() async throws {
        try await application(hub: LiveHub()).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("<html"))
            }
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                let document = try json(response.body)
                #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
                let paths = try #require(document["paths"] as? [String: Any])
                for path in [
                    "/api/v1/machines", "/api/v1/machines/{machine_id}", "/api/v1/machines/{machine_id}/history",
                    "/api/v1/live", "/api/v1/alerts", "/api/v1/alerts/detail", "/api/v1/rules", "/api/v1/rules/{id}",
                ] {
                    #expect(paths[path] != nil, "\(path) undocumented")
                }
            }
        }
    }
}
