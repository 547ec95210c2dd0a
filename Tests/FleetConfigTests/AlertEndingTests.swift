import FleetBus
import FleetConfig
import FleetCore
import FleetFanout
import FleetProto
import FleetSQLite
import FleetStore
import Foundation
import Logging
import Testing

/// Alerts end when their rule goes or their machine went silent (issue 13), in history and on fleet.events, on the
/// real SQLite store and the in-process bus.
@Suite struct AlertEndingTests {
    struct Fixture {
        let directory: URL
        let store: SQLiteMetricStore
        let bus: InProcessBus
        let ender: AlertEnder

        init() async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("fw-end-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try SQLiteMetricStore(path: directory.appendingPathComponent("t.sqlite").path)
            try await store.migrate()
            bus = InProcessBus()
            try await bus.declare(.pipeline + .notify)
            ender = AlertEnder(store: store, bus: bus, logger: Logger(label: "test"), now: { 1_000_000 })
        }

        func fire(rule: String, machine: String, labels: [String: String] = [:], atMs: Int64 = 10_000) async throws {
            try await store.record([
                .with {
                    $0.ruleID = rule
                    $0.ruleName = "name-\(rule)"
                    $0.machineID = machine
                    $0.labels = labels
                    $0.from = .pending
                    $0.to = .firing
                    $0.atMs = atMs
                    $0.sequence = atMs
                    $0.value = 99
                }
            ])
        }

        func open() async throws -> [Fleetwatch_V1_Alert] {
            try await store.alerts(.with { $0.statuses = [.pending, .firing] })
        }

        /// The alert events published on fleet.events (what fleet.notify received).
        func events() async throws -> [Fleetwatch_V1_AlertTransition] {
            guard let depth = bus.depth(of: FleetQueue.notify), depth.ready > 0 else { return [] }
            let consumer = try await bus.consume(queue: FleetQueue.notify, prefetch: 100)
            defer { Task { await consumer.close() } }
            let deliveries = try await consumer.nextBatch(max: 100, window: .zero)
            try await consumer.ack(deliveries)
            return try deliveries.map { try Fleetwatch_V1_AlertTransition(serializedBytes: $0.body) }
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func endingARulesAlertsRecordsAndPublishesEachOnce() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        try await fixture.fire(rule: "cpu", machine: "m1", labels: ["cpu": "0"])
        try await fixture.fire(rule: "cpu", machine: "m2")
        try await fixture.fire(rule: "mem", machine: "m1")

        #expect(try await fixture.ender.end(rule: "cpu", reason: .ruleDeleted) == 2)
        #expect(try await fixture.open().map(\.ruleID) == ["mem"])
        let events = try await fixture.events()
        #expect(events.count == 2 && events.allSatisfy { $0.to == .resolved && $0.reason == "rule deleted" })

        let id = AlertID.make(ruleID: "cpu", machineID: "m1", labelsKey: "cpu=0", sequence: 10_000)
        let alert = try #require(try await fixture.store.alert(id: id))
        #expect(alert.status == .resolved && alert.reason == "rule deleted")
        #expect(alert.history.map(\.to) == [.firing, .resolved])

        // Nothing open is left of that rule: a second call ends nothing and publishes nothing.
        #expect(try await fixture.ender.end(rule: "cpu", reason: .ruleDeleted) == 0)
        #expect(try await fixture.events().isEmpty)
    }

    @Test func theSweepEndsWhatSlippedPastAndLeavesTheRest() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        func rule(_ id: String, enabled: Bool = true, noData: Int32 = 0) -> Fleetwatch_V1_Rule {
            .with {
                $0.id = id
                $0.name = id
                $0.version = 1
                $0.enabled = enabled
                if noData > 0 { $0.noDataSeconds = noData } else {
                    $0.metric = MetricName.cpuUsagePercent
                    $0.comparator = .greater
                    $0.threshold = 80
                }
            }
        }
        try await fixture.store.createRule(rule("kept"))
        try await fixture.store.createRule(rule("off", enabled: false))
        try await fixture.store.createRule(rule("quiet", noData: 60))
        try await fixture.fire(rule: "gone", machine: "fresh")
        try await fixture.fire(rule: "off", machine: "fresh")
        try await fixture.fire(rule: "kept", machine: "fresh")
        try await fixture.fire(rule: "kept", machine: "silent")
        try await fixture.fire(rule: "quiet", machine: "silent")

        // The live view knows "fresh" from just now and "silent" from 20 minutes before.
        let hub = LiveHub()
        for (machine, seenMs) in [("fresh", Int64(990_000)), ("silent", Int64(-200_000))] {
            hub.apply(
                .with {
                    $0.machine.machineID = machine
                    $0.timestampMs = seenMs
                    $0.receivedMs = seenMs
                })
        }
        let sweeper = AlertSweeper(
            rules: fixture.store, alerts: fixture.store, ender: fixture.ender, hub: hub, silentAfter: .seconds(600),
            logger: Logger(label: "test"), now: { 1_000_000 })
        #expect(try await sweeper.sweep() == 3)

        let open = try await fixture.open().map { "\($0.ruleID)@\($0.machineID)" }.sorted()
        #expect(open == ["kept@fresh", "quiet@silent"])
        let reasons = Dictionary(
            try await fixture.events().map { ("\($0.ruleID)@\($0.machineID)", $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(reasons == ["gone@fresh": "rule deleted", "off@fresh": "rule disabled", "kept@silent": "machine silent"])
        #expect(try await sweeper.sweep() == 0)
    }
}
