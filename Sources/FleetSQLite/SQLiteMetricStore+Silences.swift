import FleetCore
import FleetStore
import GRDB

extension SQLiteMetricStore: SilenceStore {
    private static let silenceColumns =
        "id, matchers, starts_at_ms, ends_at_ms, created_by, comment, created_at_ms, updated_at_ms"

    public func createSilence(_ silence: Silence) async throws {
        let matchers = try SilenceMatchersCodec.encode(silence.matchers)
        try await wrap("createSilence") {
            try await pool.write { db in
                try db.execute(
                    sql: "INSERT INTO silences (\(Self.silenceColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        silence.id, matchers, silence.startsAtMs, silence.endsAtMs, silence.createdBy, silence.comment,
                        silence.createdAtMs, silence.updatedAtMs,
                    ])
            }
        }
    }

    public func silence(id: String) async throws -> Silence? {
        try await wrap("silence") {
            try await pool.read { db in
                try Row.fetchOne(db, sql: "SELECT \(Self.silenceColumns) FROM silences WHERE id = ?", arguments: [id])
                    .map(Self.silence)
            }
        }
    }

    public func silences(activeAtMs: Int64?) async throws -> [Silence] {
        try await wrap("silences") {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Self.silenceColumns) FROM silences
                        WHERE ? OR (starts_at_ms <= ? AND ends_at_ms > ?)
                        ORDER BY created_at_ms DESC, id
                        """,
                    arguments: [activeAtMs == nil, activeAtMs ?? 0, activeAtMs ?? 0]
                ).map(Self.silence)
            }
        }
    }

    public func expireSilence(id: String, atMs: Int64) async throws -> Silence {
        try await wrap("expireSilence") {
            try await pool.write { db in
                guard
                    let current = try Row.fetchOne(
                        db, sql: "SELECT \(Self.silenceColumns) FROM silences WHERE id = ?", arguments: [id]
                    ).map(Self.silence)
                else { throw StoreError.notFound("no silence '\(id)'") }
                let expired = current.expired(atMs: atMs)
                guard expired != current else { return current }
                try db.execute(
                    sql: "UPDATE silences SET starts_at_ms = ?, ends_at_ms = ?, updated_at_ms = ? WHERE id = ?",
                    arguments: [expired.startsAtMs, expired.endsAtMs, expired.updatedAtMs, id])
                return expired
            }
        }
    }

    @discardableResult
    public func deleteSilences(endedBeforeMs: Int64) async throws -> Int {
        try await wrap("deleteSilences") {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM silences WHERE ends_at_ms < ?", arguments: [endedBeforeMs])
                return db.changesCount
            }
        }
    }

    private static func silence(_ row: Row) throws -> Silence {
        Silence(
            id: row["id"], matchers: try SilenceMatchersCodec.decode(row["matchers"]), startsAtMs: row["starts_at_ms"],
            endsAtMs: row["ends_at_ms"], createdBy: row["created_by"], comment: row["comment"],
            createdAtMs: row["created_at_ms"], updatedAtMs: row["updated_at_ms"])
    }
}
