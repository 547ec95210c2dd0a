import FleetCore
import FleetProto
import FleetStore
import Foundation
import GRDB
import Logging

/// The `MetricStore` over SQLite (GRDB) for `fleetwatch hub`: one file in WAL mode, every `persist` call one
/// write transaction, the same idempotency and rollups as PostgreSQL, so the same persister runs on either.
///
/// Raw data is one `ticks` row per machine instant (`MachineTick`, values packed by `SQLiteTickCodec` under a
/// `layouts` id); `rollUp(now:)` aggregates closed buckets into `samples_1m` and `samples_1h` afterwards, and
/// `history` reads each bucket from the coarsest tier that holds it for sure (`SQLiteRollupState`). One process
/// (the hub) writes the file; rollup passes run one at a time within it.
public final class SQLiteMetricStore: MetricStore {
    public let path: String
    public let retention: RetentionPolicy
    public let resolutionPolicy: ResolutionPolicy
    public let rollup: RollupPolicy
    let pool: DatabasePool
    let logger: Logger
    let now: @Sendable () -> Date
    let layouts = SQLiteLayoutCatalog()
    let passes = SQLiteSerialPasses()

    /// Opens (creating if needed) the database at `path`; the folder must exist.
    public init(
        path: String, retention: RetentionPolicy = RetentionPolicy(), rollup: RollupPolicy = RollupPolicy(),
        logger: Logger = Logger(label: "fleetwatch.store"), now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL (DatabasePool's default) with NORMAL sync: a commit survives a process crash; an OS crash may
            // lose the last transactions, which the collectors still hold until acked.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.unavailable(operation: "open \(path)", detail: "\(error)")
        }
        self.path = path
        self.retention = retention
        self.rollup = rollup
        self.resolutionPolicy = ResolutionPolicy(retention: retention)
        self.logger = logger
        self.now = now
    }

    public func migrate() async throws {
        try await wrap("migrate") { try SQLiteMigrations.migrator.migrate(self.pool) }
    }

    /// Runs `body`, reporting any database failure as `StoreError.unavailable` naming `operation`.
    func wrap<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.unavailable(operation: operation, detail: "\(error)")
        }
    }

}
