import FleetProto
import Foundation
import Testing

@testable import FleetStore

@Suite struct PostgresMetricStoreTests {
    typealias B = Batches

    @Test func migrationsAreIdempotent() async throws {
        try await TestDatabase.withFreshStore { store, _ in
            try await store.migrate()
            try await store.migrate()
            #expect(try await store.appliedMigrations() == PostgresMigrations.all.map(\.version))
        }
    }

    @Test func concurrentMigrationsFromSeveralReplicasApplyOnce() async throws {
        try await TestDatabase.withFreshStore(migrate: false) { store, configuration in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await PostgresMetricStore.withStore(configuration: configuration) { replica in
                            try await replica.migrate()
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.appliedMigrations() == PostgresMigrations.all.map(\.version))
            #expect(try await store.scalar("SELECT count(*) FROM schema_migrations") == PostgresMigrations.all.count)
        }
    }

    @Test func persistingABatchTwiceStoresItsRowsAndRollupsOnce() async throws {
        try await TestDatabase.withFreshStore { store, _ in
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
            let both = try await store.persist([batch, batch])
            #expect(both.samplesInserted == 0)

            #expect(try await store.scalar("SELECT count(*) FROM samples") == 3)
            #expect(try await store.scalar("SELECT sum(count)::int8 FROM samples_1m") == 3)
            #expect(try await store.scalar("SELECT sum(count)::int8 FROM samples_1h") == 3)
            #expect(try await store.scalar("SELECT count(*) FROM batches_seen") == 1)
        }
    }

    @Test func rollupsAggregateEverySampleOnceAcrossCalls() async throws {
        try await TestDatabase.withFreshStore { store, _ in
            let series = ("load.1m", [String: String]())
            // Minute 0: 1, 5 (two calls); minute 1: 2; the next hour: 7.
            _ = try await store.persist([
                B.make(sequence: 1, samples: [(series.0, series.1, 1, B.noon), (series.0, series.1, 2, B.noon + B.minute)])
            ])
            _ = try await store.persist([
                B.make(sequence: 2, samples: [(series.0, series.1, 5, B.noon + 30_000)]),
                B.make(sequence: 3, samples: [(series.0, series.1, 7, B.noon + 3_600_000)]),
            ])
            let minuteRows = try await store.rollupRows("samples_1m")
            #expect(minuteRows.count == 3)
            #expect(minuteRows[0] == RollupRow(bucketMs: B.noon, min: 1, max: 5, sum: 6, count: 2))
            #expect(minuteRows[1] == RollupRow(bucketMs: B.noon + B.minute, min: 2, max: 2, sum: 2, count: 1))
            let hourRows = try await store.rollupRows("samples_1h")
            #expect(
                hourRows == [
                    RollupRow(bucketMs: B.noon, min: 1, max: 5, sum: 8, count: 3),
                    RollupRow(bucketMs: B.noon + 3_600_000, min: 7, max: 7, sum: 7, count: 1),
                ])
        }
    }

    @Test func dailyPartitionsAreCreatedOnDemandIncludingBackfill() async throws {
        try await TestDatabase.withFreshStore { store, _ in
            _ = try await store.persist([
                B.make(samples: [
                    ("proc.count", [:], 100, B.noon),
                    ("proc.count", [:], 101, B.noon + B.day),  // tomorrow
                    ("proc.count", [:], 90, B.noon - 10 * B.day),  // backfill
                ])
            ])
            #expect(try await store.partitionNames() == ["samples_p20261117", "samples_p20261127", "samples_p20261128"])
            // A second store (another replica) with a cold cache creates nothing twice and fails nothing.
            _ = try await store.persist([B.make(sequence: 2, samples: [("proc.count", [:], 1, B.noon - 10 * B.day + 1)])])
            #expect(try await store.scalar("SELECT count(*) FROM samples_p20261117") == 2)
        }
    }

    @Test func concurrentReplicasPersistingOverlappingBatchesNeitherFailNorDuplicate() async throws {
        try await TestDatabase.withFreshStore { store, configuration in
            let batches = (1...40).map { sequence in
                B.make(
                    machine: "m\(sequence % 4)", sequence: UInt64(sequence), at: B.noon + Int64(sequence) * 1000,
                    samples: (0..<50).map { ("cpu.usage_percent", ["cpu": "\($0)"], Double($0), B.noon + Int64(sequence) * 1000) }
                )
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for replica in 0..<3 {
                    group.addTask {
                        try await PostgresMetricStore.withStore(configuration: configuration) { other in
                            for chunk in stride(from: replica, to: batches.count, by: 5) {
                                _ = try await other.persist(Array(batches[chunk..<min(chunk + 10, batches.count)]))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.scalar("SELECT count(*) FROM samples") == 2000)
            #expect(try await store.scalar("SELECT sum(count)::int8 FROM samples_1m") == 2000)
            #expect(try await store.scalar("SELECT sum(count)::int8 FROM samples_1h") == 2000)
        }
    }

    @Test func retentionDropsOldPartitionsAndRollups() async throws {
        let now = B.date(B.noon)
        try await TestDatabase.withFreshStore(now: { now }) { store, _ in
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
            #expect(report.droppedPartitions == ["samples_p20240918", "samples_p20260819", "samples_p20261027"])
            #expect(report.deletedMinuteRollups == 2)
            #expect(report.deletedHourRollups == 1)
            #expect(try await store.partitionNames() == ["samples_p20261029", "samples_p20261127"])
            #expect(try await store.scalar("SELECT count(*) FROM samples") == 2)
            #expect(try await store.scalar("SELECT count(*) FROM samples_1h") == 4)

            // Late data for a dropped day recreates its partition instead of failing.
            _ = try await store.persist([B.make(sequence: 2, samples: [("proc.count", [:], 6, B.noon - 31 * B.day)])])
            #expect(try await store.partitionNames().contains("samples_p20261027"))
            #expect(try await store.applyRetention(now: now).droppedPartitions == ["samples_p20261027"])
        }
    }

    @Test func historyAnswersFromTheResolutionTheRangeNeeds() async throws {
        let now = B.date(B.noon + 3 * 3_600_000)
        try await TestDatabase.withFreshStore(now: { now }) { store, _ in
            // Every 10 s for 3 hours: value = minute index.
            var samples: [(String, [String: String], Double, Int64)] = []
            for tick in 0..<(3 * 360) {
                let ms = B.noon + Int64(tick) * 10_000
                samples.append(("cpu.usage_percent", ["cpu": "total"], Double(tick / 6), ms))
            }
            _ = try await store.persist([B.make(samples: samples)])

            let raw = try await store.history(
                machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"],
                from: B.date(B.noon), to: B.date(B.noon + 5 * B.minute), step: nil)
            #expect(raw.resolution == .raw && raw.step == nil)
            #expect(raw.points.count == 30)
            #expect(raw.points.first == HistoryPoint(time: B.date(B.noon), min: 0, max: 0, sum: 0, count: 1))

            let minutes = try await store.history(
                machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"],
                from: B.date(B.noon), to: B.date(B.noon + 3 * 3_600_000), step: .seconds(120))
            #expect(minutes.resolution == .minute && minutes.step == .seconds(120))
            #expect(minutes.points.count == 90)
            #expect(minutes.points[1] == HistoryPoint(time: B.date(B.noon + 2 * B.minute), min: 2, max: 3, sum: 30, count: 12))

            let hours = try await store.history(
                machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"],
                from: B.date(B.noon), to: B.date(B.noon + 3 * 3_600_000), step: .seconds(3600))
            #expect(hours.resolution == .hour)
            #expect(hours.points.map(\.count) == [360, 360, 360])
            #expect(hours.points[0].min == 0 && hours.points[0].max == 59 && hours.points[0].average == 29.5)

            let otherSeries = try await store.history(
                machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "0"],
                from: B.date(B.noon), to: B.date(B.noon + B.minute), step: nil)
            #expect(otherSeries.points.isEmpty)
        }
    }

    @Test func batchesSeenAccountsForEverySequenceOnce() async throws {
        try await TestDatabase.withFreshStore { store, _ in
            let batches = (1...10).map { B.make(sequence: UInt64($0), samples: []) }
            _ = try await store.persist(Array(batches[0..<6]))
            let again = try await store.persist(Array(batches[4..<10]))
            #expect(again.batchesNew == 4 && again.batchesDuplicate == 2)
            #expect(try await store.sequenceAccounting(machine: "web-1") == SequenceAccounting(count: 10, lowest: 1, highest: 10))
            #expect(try await store.sequenceAccounting(machine: "web-1").missing == 0)

            _ = try await store.persist([B.make(sequence: 13, samples: [])])
            #expect(try await store.sequenceAccounting(machine: "web-1").missing == 2)
            #expect(
                try await store.sequenceAccounting(machine: "nobody") == SequenceAccounting(count: 0, lowest: nil, highest: nil))
        }
    }

    @Test func machinesLatestValuesAndProcessSnapshots() async throws {
        try await TestDatabase.withFreshStore { store, _ in
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
            // Newest first: identity and snapshot must still follow time, not arrival order.
            _ = try await store.persist([newer])
            _ = try await store.persist([older])

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
}

struct RollupRow: Equatable {
    var bucketMs: Int64
    var min: Double
    var max: Double
    var sum: Double
    var count: Int
}

extension PostgresMetricStore {
    func rollupRows(_ table: String) async throws -> [RollupRow] {
        var rows: [RollupRow] = []
        for try await (bucket, low, high, sum, count) in try await client.query(
            .init(
                unsafeSQL: "SELECT (extract(epoch FROM bucket) * 1000)::int8, min, max, sum, count FROM \(table) ORDER BY bucket"),
            logger: logger
        ).decode((Int64, Double, Double, Double, Int).self) {
            rows.append(RollupRow(bucketMs: bucket, min: low, max: high, sum: sum, count: count))
        }
        return rows
    }
}
