import FleetCore
import FleetStore
import PostgresNIO

extension PostgresMetricStore: SilenceStore {
    private typealias SilenceRow = (String, String, Int64, Int64, String, String, Int64, Int64)
    private static let silenceColumns =
        "id, matchers, starts_at_ms, ends_at_ms, created_by, comment, created_at_ms, updated_at_ms"

    public func createSilence(_ silence: Silence) async throws {
        let matchers = try SilenceMatchersCodec.encode(silence.matchers)
        try await wrap("createSilence") {
            try await client.query(
                """
                INSERT INTO silences (\(unescaped: Self.silenceColumns))
                VALUES (\(silence.id), \(matchers), \(silence.startsAtMs), \(silence.endsAtMs), \(silence.createdBy),
                    \(silence.comment), \(silence.createdAtMs), \(silence.updatedAtMs))
                """, logger: logger)
        }
    }

    public func silence(id: String) async throws -> Silence? {
        try await wrap("silence") {
            for try await row in try await client.query(
                "SELECT \(unescaped: Self.silenceColumns) FROM silences WHERE id = \(id)", logger: logger
            ).decode(SilenceRow.self) {
                return try Self.silence(row)
            }
            return nil
        }
    }

    public func silences(activeAtMs: Int64?) async throws -> [Silence] {
        let at = activeAtMs ?? 0
        let all = activeAtMs == nil
        return try await wrap("silences") {
            var silences: [Silence] = []
            for try await row in try await client.query(
                """
                SELECT \(unescaped: Self.silenceColumns) FROM silences
                WHERE \(all) OR (starts_at_ms <= \(at) AND ends_at_ms > \(at))
                ORDER BY created_at_ms DESC, id
                """, logger: logger
            ).decode(SilenceRow.self) {
                silences.append(try Self.silence(row))
            }
            return silences
        }
    }

    public func expireSilence(id: String, atMs: Int64) async throws -> Silence {
        try await wrap("expireSilence") {
            try await client.withTransaction(logger: logger) { connection in
                var current: Silence?
                for try await row in try await connection.query(
                    "SELECT \(unescaped: Self.silenceColumns) FROM silences WHERE id = \(id) FOR UPDATE", logger: logger
                ).decode(SilenceRow.self) {
                    current = try Self.silence(row)
                }
                guard let current else { throw StoreError.notFound("no silence '\(id)'") }
                let expired = current.expired(atMs: atMs)
                guard expired != current else { return current }
                try await connection.query(
                    """
                    UPDATE silences SET starts_at_ms = \(expired.startsAtMs), ends_at_ms = \(expired.endsAtMs),
                        updated_at_ms = \(expired.updatedAtMs)
                    WHERE id = \(id)
                    """, logger: logger)
                return expired
            }
        }
    }

    @discardableResult
    public func deleteSilences(endedBeforeMs: Int64) async throws -> Int {
        try await wrap("deleteSilences") {
            var deleted = 0
            for try await _ in try await client.query(
                "DELETE FROM silences WHERE ends_at_ms < \(endedBeforeMs) RETURNING 1", logger: logger
            ).decode(Int32.self) { deleted += 1 }
            return deleted
        }
    }

    private static func silence(_ row: SilenceRow) throws -> Silence {
        let (id, matchers, starts, ends, createdBy, comment, created, updated) = row
        return Silence(
            id: id, matchers: try SilenceMatchersCodec.decode(matchers), startsAtMs: starts, endsAtMs: ends,
            createdBy: createdBy, comment: comment, createdAtMs: created, updatedAtMs: updated)
    }
}
