import FleetAlerts
import FleetBus
import FleetCore
import FleetProto
import FleetSQLite
import FleetStore
import Foundation
import Logging
import Synchronization
import Testing

/// The evaluator on the in-process bus with the real SQLite store behind a switch that makes history writes fail.
@Suite struct AlertEvaluatorTests {
    /// Fails `record` while `down` is set, counting the attempts.
    final class Outage: AlertStore {
        let store: any AlertStore
        let down = Mutex(true)
        let failedWrites = Mutex(0)

        init(_ store: any AlertStore) { self.store = store }

        func record(_ transitions: [Fleetwatch_V1_AlertTransition]) async throws {
            if down.withLock({ $0 }) {
                failedWrites.withLock { $0 += 1 }
                throw DatabaseDown()
            }
            try await store.record(transitions)
        }

        func alerts(_ filter: Fleetwatch_V1_ListAlertsRequest) async throws -> [Fleetwatch_V1_Alert] {
            try await store.alerts(filter)
        }

        func alert(id: String) async throws -> Fleetwatch_V1_Alert? { try await store.alert(id: id) }
    }

    struct DatabaseDown: Error {}

    @Test func aHistoryOutageHoldsTheTransitionsAndWritesThemOnceItIsBack() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fw-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = try SQLiteMetricStore(path: directory.appendingPathComponent("t.sqlite").path)
        try await sqlite.migrate()
        let store = Outage(sqlite)

        let bus = InProcessBus()
        try await bus.declare(.pipeline + .alerts(partitions: 1))
        let rules = RuleBook()
        rules.replaceAll([
            .with {
                $0.id = "cpu"
                $0.name = "cpu high"
                $0.metric = MetricName.cpuUsagePercent
                $0.comparator = .greater
                $0.threshold = 80
                $0.version = 1
                $0.enabled = true
            }
        ])
        let evaluator = AlertEvaluator(
            bus: bus, store: store, rules: rules, logger: Logger(label: "test"), now: { 1_000_000 })
        let running = Task { try await evaluator.run(partitions: 1, instance: "t", tick: .seconds(3600)) }
        defer { running.cancel() }

        let batch = Fleetwatch_V1_MetricBatch.with {
            $0.machine = .with { $0.machineID = "m1" }
            $0.timestampMs = 1_000_000
            $0.samples = [.with {
                $0.name = MetricName.cpuUsagePercent
                $0.value = 95
                $0.timestampMs = 1_000_000
            }]
        }
        try await bus.publish([
            OutgoingMessage(
                exchange: FleetExchange.metrics, routingKey: RoutingKey.metrics(machine: "m1", group: .samples),
                body: try batch.serializedBytes(), type: MessageType.metricBatch)
        ])

        // Several failed writes: the evaluator holds the delivery and retries; nothing is requeued or dead-lettered.
        let deadline = ContinuousClock.now + .seconds(20)
        while store.failedWrites.withLock({ $0 }) < 3 {
            try #require(ContinuousClock.now < deadline, "the evaluator never tried to write the transition")
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(bus.depth(of: FleetQueue.alertPartition(0))?.unacked == 1)
        #expect(bus.depth(of: FleetQueue.deadLetter(of: FleetQueue.alertPartition(0)))?.ready ?? 0 == 0)

        store.down.withLock { $0 = false }
        var firing: [Fleetwatch_V1_Alert] = []
        while firing.isEmpty {
            try #require(ContinuousClock.now < deadline, "the held transition was never written")
            try await Task.sleep(for: .milliseconds(50))
            firing = try await sqlite.alerts(.with { $0.statuses = [.firing] })
        }
        #expect(firing.map(\.machineID) == ["m1"])
        await bus.waitUntilIdle([FleetQueue.alertPartition(0)])
        #expect(bus.depth(of: FleetQueue.alertPartition(0)).map { $0.ready + $0.unacked } == 0)
    }

    /// Issue 12, defect 4: anyone with broker access can publish on fleet.metrics. The evaluator checks every batch
    /// with the edge's rules at its own clock: a machine `../../x`, a year-3000 stamp or a 1 MB hostname fires
    /// nothing (skipped and counted); the good batch of the same bundle still does, and the delivery is acked.
    @Test func batchesTheEdgeWouldRefuseAreSkippedAndTheRestEvaluated() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fw-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = try SQLiteMetricStore(path: directory.appendingPathComponent("t.sqlite").path)
        try await sqlite.migrate()

        let bus = InProcessBus()
        try await bus.declare(.pipeline + .alerts(partitions: 1))
        let rules = RuleBook()
        rules.replaceAll([
            .with {
                $0.id = "cpu"
                $0.name = "cpu high"
                $0.metric = MetricName.cpuUsagePercent
                $0.comparator = .greater
                $0.threshold = 80
                $0.version = 1
                $0.enabled = true
            }
        ])
        let nowMs: Int64 = 1_800_000_000_000
        let evaluator = AlertEvaluator(bus: bus, store: sqlite, rules: rules, logger: Logger(label: "test"), now: { nowMs })
        let running = Task { try await evaluator.run(partitions: 1, instance: "t", tick: .seconds(3600)) }
        defer { running.cancel() }

        func hot(_ machine: String, at ms: Int64) -> Fleetwatch_V1_MetricBatch {
            .with {
                $0.machine = .with { $0.machineID = machine }
                $0.sequence = 1
                $0.timestampMs = ms
                $0.samples = [.with {
                    $0.name = MetricName.cpuUsagePercent
                    $0.value = 95
                    $0.timestampMs = ms
                }]
            }
        }
        var huge = hot("big", at: nowMs)
        huge.machine.hostname = String(repeating: "h", count: 1 << 20)
        let hostile = [hot("../../x", at: nowMs), hot("future", at: 32_503_680_000_000), huge]
        try await bus.publish([
            OutgoingMessage(
                exchange: FleetExchange.metrics, routingKey: RoutingKey.metrics(machine: "m1", group: .samples),
                body: BundleBody(try (hostile + [hot("m1", at: nowMs)]).map { try $0.serializedBytes() as [UInt8] }).bytes,
                type: MessageType.metricBundle)
        ])

        let deadline = ContinuousClock.now + .seconds(20)
        var firing: [Fleetwatch_V1_Alert] = []
        while firing.isEmpty {
            try #require(ContinuousClock.now < deadline, "the good batch never fired")
            try await Task.sleep(for: .milliseconds(20))
            firing = try await sqlite.alerts(.with { $0.statuses = [.pending, .firing] })
        }
        await bus.waitUntilIdle([FleetQueue.alertPartition(0)])
        let all = try await sqlite.alerts(.with { $0.limit = 100 })
        #expect(all.map(\.machineID) == ["m1"])
        #expect(bus.depth(of: FleetQueue.alertPartition(0)).map { $0.ready + $0.unacked } == 0)
        #expect(bus.depth(of: FleetQueue.deadLetter(of: FleetQueue.alertPartition(0)))?.ready ?? 0 == 0)
    }
}
