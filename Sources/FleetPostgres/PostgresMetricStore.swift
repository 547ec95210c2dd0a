import FleetProto
import FleetStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// `MetricStore` over PostgreSQL through a postgres-nio connection pool: one row per machine tick (values in
/// the order of a shared `SeriesLayout`), COPY into a staging table, idempotent insert into daily partitions,
/// rollups computed by a periodic pass over closed buckets (`rollUp(now:)`).
///
/// The pool needs a task: run `run()` for as long as the store is used (or use `withStore`).
public final class PostgresMetricStore: MetricStore {
    /// How the per-transaction staging table for COPY is provided (both measured by `StoreBenchmark`).
    public enum StagingMode: String, Sendable, CaseIterable {
        /// A temporary table created once per connection and emptied at every commit.
        case sessionTable
        /// A temporary table created in every transaction and dropped at its commit.
        case dropOnCommit
    }

    public let configuration: PostgresStoreConfiguration
    public let retention: RetentionPolicy
    public let resolutionPolicy: ResolutionPolicy
    public let stagingMode: StagingMode
    let client: PostgresClient
    let logger: Logger
    let now: @Sendable () -> Date
    /// Days whose partition is known to exist; any replica may drop one, so a failed insert clears it.
    let knownPartitions = Mutex<Set<DailyPartition>>([])
    /// Layouts already in `layouts` (written or read); layouts never change once written, so it never goes stale.
    let catalog = Mutex(LayoutCatalog())
    /// Where the legacy row-per-sample table ends and the five-second summaries begin (`TierBoundaries`), read
    /// once: migrations fix both.
    let boundaries = Mutex<TierBoundaries?>(nil)
    public let rollup: RollupPolicy

    public init(
        configuration: PostgresStoreConfiguration, retention: RetentionPolicy = RetentionPolicy(),
        stagingMode: StagingMode = .sessionTable, rollup: RollupPolicy = RollupPolicy(),
        logger: Logger = Logger(label: "fleetwatch.store"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.rollup = rollup
        self.configuration = configuration
        self.retention = retention
        self.resolutionPolicy = ResolutionPolicy(retention: retention)
        self.stagingMode = stagingMode
        self.logger = logger
        self.now = now
        var background = logger
        background.logLevel = max(logger.logLevel, .notice)
        self.client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: background)
    }

    /// Runs the connection pool until the calling task is cancelled; queries fail once it returns.
    public func run() async {
        await client.run()
    }

    /// Runs a store for the duration of `body`, then shuts its pool down.
    @discardableResult
    public static func withStore<Result: Sendable>(
        configuration: PostgresStoreConfiguration, retention: RetentionPolicy = RetentionPolicy(),
        stagingMode: StagingMode = .sessionTable, logger: Logger = Logger(label: "fleetwatch.store"),
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: (PostgresMetricStore) async throws -> Result
    ) async throws -> Result {
        let store = PostgresMetricStore(
            configuration: configuration, retention: retention, stagingMode: stagingMode, logger: logger, now: now)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    /// Checks that the database answers, e.g. for a readiness probe.
    public func ping() async throws {
        try await wrap("ping") { try await client.query("SELECT 1", logger: logger) }
    }

    // MARK: - Migrations

    public func migrate() async throws {
        try await migrate(through: nil)
    }

    /// Applies the migrations up to `version` (nil: all); tests use it to build an older schema to upgrade.
    func migrate(through version: Int?) async throws {
        try await wrap("migrate") {
            try await client.withTransaction(logger: logger) { connection in
                // Transaction-scoped: released at commit or rollback, even if this process dies.
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(PostgresMigrations.advisoryLockKey))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY, name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now())
                    """, logger: logger)
                var applied: Set<Int> = []
                for try await version in try await connection.query(
                    "SELECT version FROM schema_migrations", logger: logger
                ).decode(Int.self) {
                    applied.insert(version)
                }
                for migration in PostgresMigrations.all
                where !applied.contains(migration.version) && migration.version <= (version ?? .max) {
                    do {
                        for statement in migration.statements {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query(
                            "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                            logger: logger)
                    } catch let error as PSQLError {
                        throw StoreError.migration(version: migration.version, detail: Self.detail(of: error))
                    }
                    logger.info(
                        "applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                }
                // The upgrades to ticks and to their summaries set where the legacy table ends and they begin; an
                // upgrade may replace a partitioned table (schema 10's summaries), partitions and all.
                boundaries.withLock { $0 = nil }
                knownPartitions.withLock { $0.removeAll() }
            }
        }
    }

    /// Applied migration versions, in order.
    public func appliedMigrations() async throws -> [Int] {
        try await wrap("appliedMigrations") {
            var versions: [Int] = []
            for try await version in try await client.query(
                "SELECT version FROM schema_migrations ORDER BY version", logger: logger
            ).decode(Int.self) {
                versions.append(version)
            }
            return versions
        }
    }

    // MARK: - Partitions

    /// Creates the daily partitions of `days` that are not known to exist, each in its own short
    /// transaction: creating a partition locks the parent table, so never inside the insert transaction.
    /// On `connection` when the caller holds one (outside a transaction), else on one of the pool's.
    func ensurePartitions(_ days: Set<DailyPartition>, on connection: PostgresConnection? = nil) async throws {
        let missing = knownPartitions.withLock { days.subtracting($0) }
        guard !missing.isEmpty else { return }
        for partition in missing.sorted() {
            do {
                let statement = PostgresQuery(unsafeSQL: partition.createStatement)
                if let connection {
                    try await connection.query(statement, logger: logger)
                } else {
                    try await client.query(statement, logger: logger)
                }
            } catch let error as PSQLError where Self.isDuplicateObject(error) {
                // Another replica created it between our IF NOT EXISTS check and the catalog insert.
            }
            knownPartitions.withLock { _ = $0.insert(partition) }
            logger.debug("partition ready", metadata: ["partition": "\(partition.name)"])
        }
    }

    /// Existing daily partitions, oldest first.
    func existingPartitions() async throws -> [DailyPartition] {
        var partitions: [DailyPartition] = []
        for try await name in try await client.query(
            """
            SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent IN (to_regclass('ticks'), to_regclass('ticks_5s'), to_regclass('samples'))
            """, logger: logger
        ).decode(String.self) {
            if let partition = DailyPartition(name: name) { partitions.append(partition) }
        }
        return partitions.sorted()
    }

    /// Names of the existing daily partitions of raw data (ticks, their five-second summaries, and legacy samples),
    /// oldest first.
    public func partitionNames() async throws -> [String] {
        try await wrap("partitionNames") { try await existingPartitions().map(\.name) }
    }

    // MARK: - Errors

    @discardableResult
    func wrap<Result>(_ operation: String, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            let cause = Self.cause(of: error)
            switch cause {
            case let psql as PSQLError: throw Self.storeError(psql, operation: operation)
            case is StoreError, is CancellationError: throw cause
            // The pool's own errors (circuit breaker tripped while the server is down, pool shut down).
            default: throw StoreError.unavailable(operation: operation, detail: "\(cause)")
            }
        }
    }

    /// The error that made a transaction fail; postgres-nio wraps it in `PostgresTransactionError`.
    static func cause(of error: any Error) -> any Error {
        guard let transaction = error as? PostgresTransactionError else { return error }
        return transaction.closureError ?? transaction.commitError ?? transaction.beginError ?? error
    }

    static func storeError(_ error: PSQLError, operation: String) -> StoreError {
        if error.code == .server {
            return .database(operation: operation, sqlState: error.serverInfo?[.sqlState], detail: detail(of: error))
        }
        return .unavailable(operation: operation, detail: detail(of: error))
    }

    static func detail(of error: PSQLError) -> String {
        if let info = error.serverInfo {
            return [info[.message], info[.detail]].compactMap { $0 }.joined(separator: ": ")
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    static func sqlState(_ error: PSQLError) -> String? { error.serverInfo?[.sqlState] }

    /// duplicate_table or unique_violation on the catalog: a concurrent CREATE ... IF NOT EXISTS won.
    static func isDuplicateObject(_ error: PSQLError) -> Bool {
        ["42P07", "23505"].contains(sqlState(error) ?? "")
    }
}
