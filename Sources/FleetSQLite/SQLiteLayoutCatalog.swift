import FleetStore
import Foundation
import GRDB
import Synchronization

/// The `layouts` table of one database, cached in memory: a fleet uses a handful of layouts, so after the first
/// rounds `persist` maps every tick to its layout id without a query, and reads decode ticks without one.
///
/// A layout row is never changed or deleted, so a cached entry stays true for the life of the file. Entries
/// are only added once their row is committed (`remember`), so a rolled-back transaction cannot leave an id
/// in the cache that the database does not have.
final class SQLiteLayoutCatalog: Sendable {
    private let entries = Mutex(LayoutCatalog())

    func id(of layout: SeriesLayout) -> Int64? {
        entries.withLock { $0.id(of: layout).map(Int64.init) }
    }

    /// Adds committed layouts.
    func remember(_ layouts: [Int64: SeriesLayout]) {
        guard !layouts.isEmpty else { return }
        entries.withLock { entries in
            for (id, layout) in layouts { entries.add(id: Int(id), layout: layout) }
        }
    }

    /// The layout with `id`, from the cache or else from `db` (whose transaction must see the row: a tick is
    /// only committed with or after its layout).
    func layout(id: Int64, in db: Database) throws -> SeriesLayout? {
        if let known = entries.withLock({ $0.layout(id: Int(id)) }) { return known }
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT metrics, labels FROM layouts WHERE id = ?", arguments: [id])
        else { return nil }
        let layout = try Self.decode(metrics: row["metrics"], labels: row["labels"])
        remember([id: layout])
        return layout
    }

    /// Inside a write transaction: the id of `layout`, adding its row if the database does not have it yet.
    /// Not cached here: the caller `remember`s it after the commit.
    static func resolve(_ layout: SeriesLayout, in db: Database) throws -> Int64 {
        let identity = layout.identity
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO layouts (identity, metrics, labels) VALUES (?, ?, ?)")
            .execute(arguments: [identity, try json(layout.metrics), try json(layout.labels)])
        guard
            let id = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM layouts WHERE identity = ?"), arguments: [identity])
        else { throw StoreError.database(operation: "persist", sqlState: nil, detail: "layout row missing after insert") }
        return id
    }

    /// `metrics` and `labels` are stored as JSON arrays of strings: readable with sqlite3's json functions
    /// and safe for any character a metric name or label key may hold.
    static func json(_ strings: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(strings), as: UTF8.self)
    }

    static func decode(metrics: String, labels: String) throws -> SeriesLayout {
        let decoder = JSONDecoder()
        let metrics = try decoder.decode([String].self, from: Data(metrics.utf8))
        let labels = try decoder.decode([String].self, from: Data(labels.utf8))
        guard metrics.count == labels.count else {
            throw StoreError.database(operation: "read layout", sqlState: nil, detail: "metrics and labels differ in length")
        }
        return SeriesLayout(metrics: metrics, labels: labels)
    }
}
