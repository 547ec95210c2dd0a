import FleetSettings
import FleetProto
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import FleetPostgres
@testable import FleetStore

/// Integration tests run against the PostgreSQL at FLEETWATCH_DATABASE_URL (scripts/services/postgres),
/// each in a schema of its own that is dropped afterwards, so they run in parallel and re-run cleanly.
/// Without a database they skip with the reason printed, except under CI=true, where they fail.
enum TestDatabase {
    static let configuration: PostgresStoreConfiguration? = try? PostgresStoreConfiguration.fromEnvironment()

    /// Nil when the database answers; otherwise why not. Probed once per test process.
    static let unreachable: Task<String?, Never> = Task {
        let configuration: PostgresStoreConfiguration
        do {
            configuration = try PostgresStoreConfiguration.fromEnvironment()
        } catch {
            return "\(error)"
        }
        do {
            try await withTimeout(.seconds(5)) {
                try await PostgresMetricStore.withStore(configuration: configuration) { try await $0.ping() }
            }
            return nil
        } catch {
            return
                "PostgreSQL at \(Redaction.url(configuration.urlDescription)) is not reachable (\(error)); "
                + "start one with scripts/services/postgres start .data/postgres"
        }
    }

    /// Runs `body` with a migrated store in a fresh schema, or skips (fails under CI=true).
    static func withFreshStore(
        retention: RetentionPolicy = RetentionPolicy(), now: @escaping @Sendable () -> Date = { Date() },
        migrate: Bool = true, _ body: (PostgresMetricStore, PostgresStoreConfiguration) async throws -> Void
    ) async throws {
        if let reason = await unreachable.value {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("CI=true requires PostgreSQL: \(reason)")
            } else {
                print("skipping PostgreSQL integration test: \(reason)")
            }
            return
        }
        let base = configuration!
        let schema = "fw_test_\(UInt64.random(in: 0...UInt64.max))"
        try await admin(base, "CREATE SCHEMA \(schema)")
        var scoped = base
        scoped.searchPath = schema
        scoped.maximumConnections = 4
        do {
            try await PostgresMetricStore.withStore(configuration: scoped, retention: retention, now: now) { store in
                if migrate { try await store.migrate() }
                try await body(store, scoped)
            }
        } catch {
            try? await admin(base, "DROP SCHEMA \(schema) CASCADE")
            throw error
        }
        try await admin(base, "DROP SCHEMA \(schema) CASCADE")
    }

    static func admin(_ configuration: PostgresStoreConfiguration, _ sql: String) async throws {
        try await PostgresMetricStore.withStore(configuration: configuration) { store in
            try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: store.logger)
        }
    }

    static func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw NoAnswer(limit: limit)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

struct NoAnswer: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "no answer within \(limit): connection refused, wrong port or server down" }
}

extension PostgresStoreConfiguration {
    var urlDescription: String { "postgres://\(username)@\(host):\(port)/\(database)" }
}

extension PostgresMetricStore {
    /// One integer from a query, for assertions.
    func scalar(_ sql: String) async throws -> Int {
        try await count(PostgresQuery(unsafeSQL: sql))
    }
}

/// Builds batches for tests.
enum Batches {
    /// 2026-11-27T12:00:00Z
    static let noon: Int64 = 1_795_780_800_000
    static let minute: Int64 = 60_000
    static let day: Int64 = 86_400_000

    static func make(
        machine: String = "web-1", sequence: UInt64 = 1, at ms: Int64 = noon,
        samples: [(String, [String: String], Double, Int64)]
    ) -> Fleetwatch_V1_MetricBatch {
        var batch = Fleetwatch_V1_MetricBatch()
        batch.machine.machineID = machine
        batch.machine.hostname = "\(machine).example"
        batch.machine.os = "Debian 12"
        batch.machine.kernel = "6.1.0"
        batch.machine.cpuCores = 2
        batch.machine.labels = ["env": "test"]
        batch.sequence = sequence
        batch.timestampMs = ms
        batch.receivedMs = ms + 3
        for (name, labels, value, at) in samples {
            var sample = Fleetwatch_V1_Sample()
            sample.name = name
            sample.labels = labels
            sample.value = value
            sample.timestampMs = at
            batch.samples.append(sample)
        }
        return batch
    }

    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
}
