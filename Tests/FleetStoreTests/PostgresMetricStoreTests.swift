import FleetProto
import Foundation
import Testing

@testable import FleetPostgres
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

    @Test func dailyPartitionsAreCreatedOnDemandIncludingBackfill() async throws {
        try await TestDatabase.withFreshStore { store, _ in
            _ = try await store.persist([
                B.make(samples: [
                    ("proc.count", [:], 100, B.noon),
                    ("proc.count", [:], 101, B.noon + B.day),  // tomorrow
                    ("proc.count", [:], 90, B.noon - 10 * B.day),  // backfill
                ])
            ])
            #expect(try await store.partitionNames() == ["ticks_p20261117", "ticks_p20261127", "ticks_p20261128"])
            // A second store (another replica) with a cold cache creates nothing twice and fails nothing.
            _ = try await store.persist([B.make(sequence: 2, samples: [("proc.count", [:], 1, B.noon - 10 * B.day + 1)])])
            #expect(try await store.scalar("SELECT count(*) FROM ticks_p20261117") == 2)
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
            #expect(try await store.scalar("SELECT sum(cardinality(vals))::int8 FROM ticks") == 2000)
            #expect(try await store.scalar("SELECT count(*) FROM ticks") == 40)
            try await store.rollUp(now: B.date(B.noon + B.day))
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
            // The rollup pass that retention runs first summarised each closed minute: those partitions go too, and
            // the summaries of 29 days ago, past their 7 days.
            #expect(
                report.droppedPartitions == [
                    "ticks_p20240918", "ticks_5s_p20240918", "ticks_p20260819", "ticks_5s_p20260819", "ticks_p20261027",
                    "ticks_5s_p20261027", "ticks_5s_p20261029",
                ])
            #expect(report.deletedMinuteRollups == 2)
            #expect(report.deletedHourRollups == 1)
            #expect(try await store.partitionNames() == ["ticks_p20261029", "ticks_p20261127"])
            #expect(try await store.scalar("SELECT count(*) FROM ticks") == 2)
            // The hour of `now` is still open, so only the four older hours were rolled up; one expired.
            #expect(try await store.scalar("SELECT count(*) FROM samples_1h") == 3)

            // Late data for a dropped day recreates its partition instead of failing.
            _ = try await store.persist([B.make(sequence: 2, samples: [("proc.count", [:], 6, B.noon - 31 * B.day)])])
            #expect(try await store.partitionNames().contains("ticks_p20261027"))
            #expect(try await store.applyRetention(now: now).droppedPartitions == ["ticks_p20261027", "ticks_5s_p20261027"])
        }
    }
}
