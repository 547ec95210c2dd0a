import FleetProto
import Foundation
import Testing

@testable import FleetPostgres
@testable import FleetSQLite
@testable import FleetStore

/// The behaviour every `MetricStore` must have, run against each implementation: PostgreSQL (the distributed
/// stack) and SQLite (the hub). Only the protocol is used, so the two cannot drift apart unnoticed.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case postgres
    case sqlite

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, migrated store of this kind (PostgreSQL: skipped without a database, failed
    /// under CI=true).
    func withStore(
        retention: RetentionPolicy = RetentionPolicy(), now: @escaping @Sendable () -> Date = { Date() },
        _ body: (any MetricStore) async throws -> Void
    ) async throws {
        switch self {
        case .postgres:
            try await TestDatabase.withFreshStore(retention: retention, now: now) { store, _ in try await body(store) }
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fw-sqlite-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let store = try SQLiteMetricStore(
                path: directory.appendingPathComponent("test.sqlite").path, retention: retention, now: now)
            try await store.migrate()
            try await store.migrate()  // idempotent
            try await body(store)
        }
    }
}

@Suite struct StoreConformanceTests {
    typealias B = Batches

    func history(
        _ store: any MetricStore, _ metric: String, _ labels: [String: String] = [:], from: Int64, to: Int64,
        step: Duration? = nil
    ) async throws -> MetricHistory {
        try await store.history(machine: "web-1", metric: metric, labels: labels, from: B.date(from), to: B.date(to), step: step)
    }

    @Test(arguments: StoreKind.allCases)
    func persistingABatchTwiceStoresItsSamplesAndRollupsOnce(kind: StoreKind) async throws {
        try await kind.withStore(now: { B.date(B.noon + 3_600_000) }) { store in
            let batch = B.make(samples: [
                ("cpu.usage_percent", ["cpu": "total"], 10, B.noon),
                ("cpu.usage_percent", ["cpu": "total"], 30, B.noon + 10_000),
                ("mem.used_percent", [:], 50, B.noon),
            ])
            let first = try await store.persist([batch])
            #expect(first == PersistResult(samplesInserted: 3, samplesDuplicate: 0, batchesNew: 1, batchesDuplicate: 0))
            let second = try await store.persist([batch])
            #expect(second == PersistResult(samplesInserted: 0, samplesDuplicate: 3, batchesNew: 0, batchesDuplicate: 1))
            // The same batch twice in one call, as a redelivery racing its original could produce.
            #expect(try await store.persist([batch, batch]).samplesInserted == 0)

            let raw = try await history(store, "cpu.usage_percent", ["cpu": "total"], from: B.noon, to: B.noon + B.minute)
            #expect(raw.points.map(\.sum) == [10, 30])
            let minute = try await history(
                store, "cpu.usage_percent", ["cpu": "total"], from: B.noon, to: B.noon + 3_600_000, step: .seconds(60))
            #expect(minute.resolution == .minute)
            #expect(minute.points == [HistoryPoint(time: B.date(B.noon), min: 10, max: 30, sum: 40, count: 2)])
            let hour = try await history(store, "mem.used_percent", from: B.noon, to: B.noon + 3_600_000, step: .seconds(3600))
            #expect(hour.resolution == .hour)
            #expect(hour.points.map(\.count) == [1])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func rollupsAggregateEverySampleOnceAcrossCalls(kind: StoreKind) async throws {
        try await kind.withStore(now: { B.date(B.noon + 2 * 3_600_000) }) { store in
            // Minute 0: 1, 5 (two calls); minute 1: 2; the next hour: 7.
            _ = try await store.persist([
                B.make(sequence: 1, samples: [("load.1m", [:], 1, B.noon), ("load.1m", [:], 2, B.noon + B.minute)])
            ])
            _ = try await store.persist([
                B.make(sequence: 2, samples: [("load.1m", [:], 5, B.noon + 30_000)]),
                B.make(sequence: 3, samples: [("load.1m", [:], 7, B.noon + 3_600_000)]),
            ])
            let minutes = try await history(store, "load.1m", from: B.noon, to: B.noon + 2 * 3_600_000, step: .seconds(60))
            #expect(minutes.points.count == 3)
            #expect(minutes.points[0] == HistoryPoint(time: B.date(B.noon), min: 1, max: 5, sum: 6, count: 2))
            #expect(minutes.points[1] == HistoryPoint(time: B.date(B.noon + B.minute), min: 2, max: 2, sum: 2, count: 1))
            let hours = try await history(store, "load.1m", from: B.noon, to: B.noon + 2 * 3_600_000, step: .seconds(3600))
            #expect(
                hours.points == [
                    HistoryPoint(time: B.date(B.noon), min: 1, max: 5, sum: 8, count: 3),
                    HistoryPoint(time: B.date(B.noon + 3_600_000), min: 7, max: 7, sum: 7, count: 1),
                ])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func historyAnswersFromTheResolutionTheRangeNeeds(kind: StoreKind) async throws {
        try await kind.withStore(now: { B.date(B.noon + 3 * 3_600_000) }) { store in
            // Every 10 s for 3 hours: value = minute index.
            let samples = (0..<(3 * 360)).map { tick in
                ("cpu.usage_percent", ["cpu": "total"], Double(tick / 6), B.noon + Int64(tick) * 10_000)
            }
            _ = try await store.persist([B.make(samples: samples)])
            let total = ["cpu": "total"]

            let raw = try await history(store, "cpu.usage_percent", total, from: B.noon, to: B.noon + 5 * B.minute)
            #expect(raw.resolution == .raw && raw.step == nil)
            #expect(raw.points.count == 30)
            #expect(raw.points.first == HistoryPoint(time: B.date(B.noon), min: 0, max: 0, sum: 0, count: 1))

            let rawBuckets = try await history(
                store, "cpu.usage_percent", total, from: B.noon, to: B.noon + 5 * B.minute, step: .seconds(30))
            #expect(rawBuckets.resolution == .raw && rawBuckets.points.count == 10)
            #expect(rawBuckets.points[2] == HistoryPoint(time: B.date(B.noon + B.minute), min: 1, max: 1, sum: 3, count: 3))

            let minutes = try await history(
                store, "cpu.usage_percent", total, from: B.noon, to: B.noon + 3 * 3_600_000, step: .seconds(120))
            #expect(minutes.resolution == .minute && minutes.step == .seconds(120))
            #expect(minutes.points.count == 90)
            #expect(minutes.points[1] == HistoryPoint(time: B.date(B.noon + 2 * B.minute), min: 2, max: 3, sum: 30, count: 12))

            let hours = try await history(
                store, "cpu.usage_percent", total, from: B.noon, to: B.noon + 3 * 3_600_000, step: .seconds(3600))
            #expect(hours.resolution == .hour)
            #expect(hours.points.map(\.count) == [360, 360, 360])
            #expect(hours.points[0].min == 0 && hours.points[0].max == 59 && hours.points[0].average == 29.5)

            let otherSeries = try await history(store, "cpu.usage_percent", ["cpu": "0"], from: B.noon, to: B.noon + B.minute)
            #expect(otherSeries.points.isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func sequenceAccountingCountsEveryBatchOnce(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let batches = (1...10).map { B.make(sequence: UInt64($0), samples: []) }
            _ = try await store.persist(Array(batches[0..<6]))
            let again = try await store.persist(Array(batches[4..<10]))
            #expect(again.batchesNew == 4 && again.batchesDuplicate == 2)
            #expect(try await store.sequenceAccounting(machine: "web-1") == SequenceAccounting(count: 10, lowest: 1, highest: 10))

            _ = try await store.persist([B.make(sequence: 13, samples: [])])
            #expect(try await store.sequenceAccounting(machine: "web-1").missing == 2)
            #expect(
                try await store.sequenceAccounting(machine: "nobody") == SequenceAccounting(count: 0, lowest: nil, highest: nil))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func machinesLatestValuesAndProcessSnapshotsFollowTimeNotArrival(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var older = B.make(sequence: 1, at: B.noon, samples: [("mem.used_percent", [:], 40, B.noon)])
            older.machine.hostname = "old-name"
            var newer = B.make(
                sequence: 2, at: B.noon + 10_000,
                samples: [
                    ("mem.used_percent", [:], 42, B.noon + 10_000),
                    ("disk.used_percent", ["mount": "/mnt/a\tb\\c\nd"], 7, B.noon + 10_000),
                ])
            var snapshot = Fleetwatch_V1_ProcessSnapshot()
            snapshot.timestampMs = B.noon + 10_000
            var top = Fleetwatch_V1_ProcessInfo()
            top.pid = 42
            top.name = "postgres"
            snapshot.byCpu = [top]
            newer.processes = snapshot
            var stale = older
            stale.processes.timestampMs = B.noon
            // Newest first: identity and snapshot must still follow time, not arrival order.
            _ = try await store.persist([newer])
            _ = try await store.persist([stale])

            let machines = try await store.machines()
            #expect(machines.count == 1)
            #expect(machines[0].hostname == "web-1.example")
            #expect(machines[0].labels == ["env": "test"])
            #expect(machines[0].cores == 2)
            #expect(machines[0].lastSequence == 2)
            #expect(machines[0].firstSeen == B.date(B.noon + 3))
            #expect(machines[0].lastSeen == B.date(B.noon + 10_003))

            let latest = try await store.latest(machine: "web-1").sorted { $0.metric < $1.metric }
            #expect(
                latest == [
                    LatestSample(
                        metric: "disk.used_percent", labels: ["mount": "/mnt/a\tb\\c\nd"], time: B.date(B.noon + 10_000), value: 7
                    ),
                    LatestSample(metric: "mem.used_percent", labels: [:], time: B.date(B.noon + 10_000), value: 42),
                ])
            #expect(try await store.latestProcesses(machine: "web-1") == snapshot)
            #expect(try await store.latestProcesses(machine: "nobody") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func retentionDropsWholeOldDaysAndOldRollups(kind: StoreKind) async throws {
        let now = B.date(B.noon)
        try await kind.withStore(now: { now }) { store in
            _ = try await store.persist([
                B.make(samples: [
                    ("proc.count", [:], 1, B.noon),
                    ("proc.count", [:], 2, B.noon - 29 * B.day),
                    ("proc.count", [:], 3, B.noon - 31 * B.day),
                    ("proc.count", [:], 4, B.noon - 100 * B.day),
                    ("proc.count", [:], 5, B.noon - 800 * B.day),
                ])
            ])
            let report = try await store.applyRetention(now: now)
            #expect(report.droppedPartitions.count >= 3)
            #expect(report.deletedMinuteRollups == 2)
            #expect(report.deletedHourRollups == 1)
            // Raw samples younger than 30 days stay; older ones are only in the rollups still kept.
            let recent = try await history(store, "proc.count", from: B.noon - 30 * B.day, to: B.noon + 1)
            #expect(recent.resolution != .raw || recent.points.map(\.sum).sorted() == [1, 2])
            let raw = try await history(store, "proc.count", from: B.noon - B.day, to: B.noon + 1)
            #expect(raw.points.map(\.sum) == [1])
        }
    }
}
