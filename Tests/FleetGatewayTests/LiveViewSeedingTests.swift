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
import Synchronization
import Testing

/// History that is down, then slow, then answers: `machines()` fails while `.down`, waits while `.slow` (the load
/// of a large fleet in progress), and lists `count` machines once `.up`. History queries answer from `CannedStore`.
final class FlakyHistory: MetricStore, AlertStore {
    enum Mode: Sendable { case down, slow, up }

    struct State: Sendable {
        var mode: Mode = .down
        var attempts = 0
    }

    let state = Mutex(State())
    let count: Int
    let canned = CannedStore()

    init(machines count: Int) { self.count = count }

    struct Down: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    func retire(machine: String, at: Date) async throws -> Bool { false }
    func machines() async throws -> [MachineRecord] {
        state.withLock { $0.attempts += 1 }
        while true {
            switch state.withLock({ $0.mode }) {
            case .down: throw Down()
            case .slow: try await Task.sleep(for: .milliseconds(5))
            case .up:
                let seen = Date(timeIntervalSince1970: 1_800_000_000)
                return (0..<count).map {
                    MachineRecord(
                        machineID: "m-\($0)", hostname: "host-\($0)", os: "", kernel: "", cores: 4, agentVersion: "",
                        labels: [:], firstSeen: seen, lastSeen: seen, lastSequence: 1)
                }
            }
        }
    }

    func record(_ transitions: [Fleetwatch_V1_AlertTransition]) async throws {}
    func alerts(_ filter: Fleetwatch_V1_ListAlertsRequest) async throws -> [Fleetwatch_V1_Alert] { [] }
    func alert(id: String) async throws -> Fleetwatch_V1_Alert? { nil }
    func migrate() async throws {}
    func persist(_ batches: [Fleetwatch_V1_MetricBatch]) async throws -> PersistResult { PersistResult() }
    func rollUp(now: Date) async throws -> RollupReport { RollupReport() }
    func applyRetention(now: Date) async throws -> RetentionReport { try await canned.applyRetention(now: now) }
    func latest(machine: String) async throws -> [LatestSample] { [] }
    func history(
        machine: String, metric: String, labels: [String: String], from: Date, to: Date, step: Duration?
    ) async throws -> MetricHistory {
        try await canned.history(machine: machine, metric: metric, labels: labels, from: from, to: to, step: step)
    }
    func latestProcesses(machine: String) async throws -> Fleetwatch_V1_ProcessSnapshot? { nil }
    func sequenceAccounting(machine: String) async throws -> SequenceAccounting {
        try await canned.sequenceAccounting(machine: machine)
    }
}

/// Issue 12, defect 7: right after start the gateway answered /readyz 200 before it had loaded the fleet from
/// PostgreSQL; with 2,000 machines in history, `/api/v1/machines/<id>/history` answered 404 "no machine" and the
/// fleet listing was short for seconds. Ready now means the live view was loaded, retried while the database fails.
@Suite(.timeLimit(.minutes(1))) struct LiveViewSeedingTests {
    func application(hub: LiveHub, store: FlakyHistory, readiness: Readiness) -> some ApplicationProtocol {
        let server = GatewayServer(
            configuration: .init(
                host: "127.0.0.1", port: 0, web: WebFiles(root: GatewayRouterTests.webRoot),
                thresholds: .init(staleAfter: .seconds(15), offlineAfter: .seconds(60)), gatewayID: "gw-test"),
            hub: hub, store: store, config: nil,
            health: HealthRoutes(readiness: readiness, registry: PrometheusCollectorRegistry()),
            logger: .init(label: "test"), now: { 1_800_000_000_000 })
        return Application(router: server.makeRouter())
    }

    func waitFor(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !condition() {
            try #require(ContinuousClock.now < deadline, "timed out waiting for \(what)")
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func readyOnlyOnceTheFleetIsLoadedRetryingWhileTheDatabaseIsDown() async throws {
        let store = FlakyHistory(machines: 2_000)
        let hub = LiveHub()
        let readiness = Readiness(["amqp"])
        readiness.set("amqp", true)
        let seeding = Task {
            try await LiveViewSeeding.run(
                hub: hub, store: store, alerts: store, readiness: readiness, logger: .init(label: "test"),
                backoff: Backoff(base: .milliseconds(1), cap: .milliseconds(2)))
        }
        defer { seeding.cancel() }

        try await application(hub: hub, store: store, readiness: readiness).test(.router) { client in
            // The database is down: the load is retried, and the gateway says it is not ready.
            try await waitFor("three failed loads") { store.state.withLock { $0.attempts } >= 3 }
            #expect(readiness.unmet == [LiveViewSeeding.condition])
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "not ready: history\n")
            }

            // The database answers, slowly: still not ready while the fleet is loading.
            let attempts = store.state.withLock { $0.attempts }
            store.state.withLock { $0.mode = .slow }
            try await waitFor("a load in progress") { store.state.withLock { $0.attempts } > attempts }
            try await Task.sleep(for: .milliseconds(50))
            #expect(!readiness.isReady)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }

            // Loaded: ready, and every machine of history is known.
            store.state.withLock { $0.mode = .up }
            try await seeding.value
            #expect(readiness.isReady)
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
            #expect(hub.machines().count == 2_000)
            try await client.execute(uri: "/api/v1/machines/m-1999/history?metric=load.1m", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func anEmptyHistoryIsReadyAtOnce() async throws {
        let store = FlakyHistory(machines: 0)
        store.state.withLock { $0.mode = .up }
        let readiness = Readiness()
        try await LiveViewSeeding.run(
            hub: LiveHub(), store: store, alerts: store, readiness: readiness, logger: .init(label: "test"))
        #expect(readiness.isReady)
        #expect(store.state.withLock { $0.attempts } == 1)
    }

    @Test func stoppingWhileTheDatabaseIsDownEndsTheRetries() async throws {
        let store = FlakyHistory(machines: 1)
        let readiness = Readiness()
        let seeding = Task {
            try await LiveViewSeeding.run(
                hub: LiveHub(), store: store, alerts: store, readiness: readiness, logger: .init(label: "test"),
                backoff: Backoff(base: .seconds(60), cap: .seconds(60)))
        }
        try await waitFor("a failed load") { store.state.withLock { $0.attempts } >= 1 }
        seeding.cancel()
        await #expect(throws: CancellationError.self) { try await seeding.value }
        #expect(readiness.unmet == [LiveViewSeeding.condition])
    }
}
