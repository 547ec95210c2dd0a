import FleetStore
import PostgresNIO

extension PostgresMetricStore: CredentialStore {
    private typealias CredentialRow = (String, String, Int64, Int64?, Int64?)
    private typealias EventRow = (Int64, Int64, String, String, String, Int64)
    private static let credentialColumns = "machine_id, token_hash, created_at_ms, last_used_at_ms, revoked_at_ms"
    private static let eventColumns = "at_ms, last_at_ms, machine_id, kind, detail, count"

    public func enrollCredential(_ credential: MachineCredential, detail: String) async throws {
        try await wrap("enrollCredential") {
            try await client.withTransaction(logger: logger) { connection in
                // The partial unique index is the guard between concurrent enrollments of one machine.
                var inserted = 0
                for try await _ in try await connection.query(
                    """
                    INSERT INTO machine_credentials (\(unescaped: Self.credentialColumns))
                    VALUES (\(credential.machineID), \(credential.tokenHash), \(credential.createdAtMs),
                        \(credential.lastUsedAtMs), \(credential.revokedAtMs))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger
                ).decode(Int32.self) { inserted += 1 }
                guard inserted == 1 else {
                    throw StoreError.conflict("machine '\(credential.machineID)' already has an active credential")
                }
                try await connection.query(
                    """
                    INSERT INTO credential_events (at_ms, last_at_ms, machine_id, kind, detail, count, bucket_ms)
                    VALUES (\(credential.createdAtMs), \(credential.createdAtMs), \(credential.machineID),
                        \(CredentialEvent.Kind.enrolled.rawValue), \(detail), 1, NULL)
                    """, logger: logger)
            }
        }
    }

    public func useCredential(tokenHash: String, atMs: Int64) async throws -> MachineCredential? {
        try await wrap("useCredential") {
            try await client.query(
                """
                UPDATE machine_credentials SET last_used_at_ms = \(atMs)
                WHERE token_hash = \(tokenHash) AND revoked_at_ms IS NULL
                """, logger: logger)
            for try await row in try await client.query(
                "SELECT \(unescaped: Self.credentialColumns) FROM machine_credentials WHERE token_hash = \(tokenHash)",
                logger: logger
            ).decode(CredentialRow.self) {
                return Self.credential(row)
            }
            return nil
        }
    }

    public func credentials() async throws -> [MachineCredential] {
        try await wrap("credentials") {
            var credentials: [MachineCredential] = []
            for try await row in try await client.query(
                "SELECT \(unescaped: Self.credentialColumns) FROM machine_credentials ORDER BY created_at_ms DESC, machine_id",
                logger: logger
            ).decode(CredentialRow.self) {
                credentials.append(Self.credential(row))
            }
            return credentials
        }
    }

    public func revokeCredential(machineID: String, atMs: Int64, by: String) async throws -> MachineCredential {
        try await wrap("revokeCredential") {
            try await client.withTransaction(logger: logger) { connection in
                var revoked: MachineCredential?
                for try await row in try await connection.query(
                    """
                    UPDATE machine_credentials SET revoked_at_ms = \(atMs)
                    WHERE machine_id = \(machineID) AND revoked_at_ms IS NULL
                    RETURNING \(unescaped: Self.credentialColumns)
                    """, logger: logger
                ).decode(CredentialRow.self) {
                    revoked = Self.credential(row)
                }
                guard let revoked else { throw StoreError.notFound("machine '\(machineID)' has no active credential") }
                try await connection.query(
                    """
                    INSERT INTO credential_events (at_ms, last_at_ms, machine_id, kind, detail, count, bucket_ms)
                    VALUES (\(atMs), \(atMs), \(machineID), \(CredentialEvent.Kind.revoked.rawValue), \("by \(by)"), 1, NULL)
                    """, logger: logger)
                return revoked
            }
        }
    }

    public func recordCredentialRefusal(machineID: String, reason: String, atMs: Int64) async throws {
        let bucket = CredentialEvent.refusalBucket(atMs: atMs)
        try await wrap("recordCredentialRefusal") {
            try await client.query(
                """
                INSERT INTO credential_events (at_ms, last_at_ms, machine_id, kind, detail, count, bucket_ms)
                VALUES (\(atMs), \(atMs), \(machineID), \(CredentialEvent.Kind.refused.rawValue), \(reason), 1, \(bucket))
                ON CONFLICT (kind, machine_id, detail, bucket_ms)
                DO UPDATE SET count = credential_events.count + 1,
                    last_at_ms = greatest(credential_events.last_at_ms, excluded.last_at_ms)
                """, logger: logger)
        }
    }

    public func credentialEvents(limit: Int) async throws -> [CredentialEvent] {
        try await wrap("credentialEvents") {
            var events: [CredentialEvent] = []
            for try await row in try await client.query(
                """
                SELECT \(unescaped: Self.eventColumns) FROM credential_events
                ORDER BY last_at_ms DESC, id DESC LIMIT \(Int64(limit))
                """, logger: logger
            ).decode(EventRow.self) {
                let (at, last, machine, kind, detail, count) = row
                guard let parsed = CredentialEvent.Kind(rawValue: kind) else {
                    throw StoreError.database(
                        operation: "credentialEvents", sqlState: nil, detail: "unknown event kind '\(kind)'")
                }
                events.append(
                    CredentialEvent(atMs: at, lastAtMs: last, machineID: machine, kind: parsed, detail: detail, count: count))
            }
            return events
        }
    }

    private static func credential(_ row: CredentialRow) -> MachineCredential {
        let (machine, hash, created, lastUsed, revoked) = row
        return MachineCredential(
            machineID: machine, tokenHash: hash, createdAtMs: created, lastUsedAtMs: lastUsed, revokedAtMs: revoked)
    }
}
