import FleetStore
import GRDB

extension SQLiteMetricStore: CredentialStore {
    private static let credentialColumns = "machine_id, token_hash, created_at_ms, last_used_at_ms, revoked_at_ms"
    private static let eventColumns = "at_ms, last_at_ms, machine_id, kind, detail, count"

    public func enrollCredential(_ credential: MachineCredential, detail: String) async throws {
        try await wrap("enrollCredential") {
            try await pool.write { db in
                let active =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM machine_credentials WHERE machine_id = ? AND revoked_at_ms IS NULL",
                        arguments: [credential.machineID]) ?? 0
                guard active == 0 else {
                    throw StoreError.conflict("machine '\(credential.machineID)' already has an active credential")
                }
                try db.execute(
                    sql: "INSERT INTO machine_credentials (\(Self.credentialColumns)) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        credential.machineID, credential.tokenHash, credential.createdAtMs, credential.lastUsedAtMs,
                        credential.revokedAtMs,
                    ])
                try Self.insertEvent(
                    db, atMs: credential.createdAtMs, machineID: credential.machineID, kind: .enrolled, detail: detail)
            }
        }
    }

    public func useCredential(tokenHash: String, atMs: Int64) async throws -> MachineCredential? {
        try await wrap("useCredential") {
            try await pool.write { db in
                try db.execute(
                    sql: "UPDATE machine_credentials SET last_used_at_ms = ? WHERE token_hash = ? AND revoked_at_ms IS NULL",
                    arguments: [atMs, tokenHash])
                return try Row.fetchOne(
                    db, sql: "SELECT \(Self.credentialColumns) FROM machine_credentials WHERE token_hash = ?",
                    arguments: [tokenHash]
                ).map(Self.credential)
            }
        }
    }

    public func credentials() async throws -> [MachineCredential] {
        try await wrap("credentials") {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT \(Self.credentialColumns) FROM machine_credentials ORDER BY created_at_ms DESC, machine_id"
                ).map(Self.credential)
            }
        }
    }

    public func revokeCredential(machineID: String, atMs: Int64, by: String) async throws -> MachineCredential {
        try await wrap("revokeCredential") {
            try await pool.write { db in
                guard
                    var credential = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT \(Self.credentialColumns) FROM machine_credentials
                            WHERE machine_id = ? AND revoked_at_ms IS NULL
                            """,
                        arguments: [machineID]
                    ).map(Self.credential)
                else { throw StoreError.notFound("machine '\(machineID)' has no active credential") }
                try db.execute(
                    sql: "UPDATE machine_credentials SET revoked_at_ms = ? WHERE token_hash = ?",
                    arguments: [atMs, credential.tokenHash])
                credential.revokedAtMs = atMs
                try Self.insertEvent(db, atMs: atMs, machineID: machineID, kind: .revoked, detail: "by \(by)")
                return credential
            }
        }
    }

    public func recordCredentialRefusal(machineID: String, reason: String, atMs: Int64) async throws {
        try await wrap("recordCredentialRefusal") {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO credential_events (at_ms, last_at_ms, machine_id, kind, detail, count, bucket_ms)
                        VALUES (?, ?, ?, 'refused', ?, 1, ?)
                        ON CONFLICT (kind, machine_id, detail, bucket_ms)
                        DO UPDATE SET count = count + 1, last_at_ms = max(last_at_ms, excluded.last_at_ms)
                        """,
                    arguments: [atMs, atMs, machineID, reason, CredentialEvent.refusalBucket(atMs: atMs)])
            }
        }
    }

    public func credentialEvents(limit: Int) async throws -> [CredentialEvent] {
        try await wrap("credentialEvents") {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT \(Self.eventColumns) FROM credential_events ORDER BY last_at_ms DESC, id DESC LIMIT ?",
                    arguments: [limit]
                ).map(Self.event)
            }
        }
    }

    private static func insertEvent(
        _ db: Database, atMs: Int64, machineID: String, kind: CredentialEvent.Kind, detail: String
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO credential_events (at_ms, last_at_ms, machine_id, kind, detail, count, bucket_ms)
                VALUES (?, ?, ?, ?, ?, 1, NULL)
                """,
            arguments: [atMs, atMs, machineID, kind.rawValue, detail])
    }

    private static func credential(_ row: Row) -> MachineCredential {
        MachineCredential(
            machineID: row["machine_id"], tokenHash: row["token_hash"], createdAtMs: row["created_at_ms"],
            lastUsedAtMs: row["last_used_at_ms"], revokedAtMs: row["revoked_at_ms"])
    }

    private static func event(_ row: Row) throws -> CredentialEvent {
        let kind: String = row["kind"]
        guard let parsed = CredentialEvent.Kind(rawValue: kind) else {
            throw StoreError.database(operation: "credentialEvents", sqlState: nil, detail: "unknown event kind '\(kind)'")
        }
        return CredentialEvent(
            atMs: row["at_ms"], lastAtMs: row["last_at_ms"], machineID: row["machine_id"], kind: parsed,
            detail: row["detail"], count: row["count"])
    }
}
