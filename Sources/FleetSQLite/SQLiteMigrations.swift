import GRDB

/// The SQLite schema: the same tables as PostgreSQL's, in SQLite's terms (times as milliseconds since 1970).
/// Applied migrations are never edited: a database that ran one keeps what it did.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 samples, rollups, machines, batches, processes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE samples (
                        machine_id TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL,
                        ts INTEGER NOT NULL, value REAL NOT NULL,
                        PRIMARY KEY (machine_id, metric, labels, ts)) WITHOUT ROWID;
                    CREATE INDEX samples_by_time ON samples (ts);
                    CREATE TABLE samples_1m (
                        machine_id TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL, bucket INTEGER NOT NULL,
                        min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
                        PRIMARY KEY (machine_id, metric, labels, bucket)) WITHOUT ROWID;
                    CREATE TABLE samples_1h (
                        machine_id TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL, bucket INTEGER NOT NULL,
                        min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL,
                        PRIMARY KEY (machine_id, metric, labels, bucket)) WITHOUT ROWID;
                    CREATE TABLE latest (
                        machine_id TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL,
                        ts INTEGER NOT NULL, value REAL NOT NULL,
                        PRIMARY KEY (machine_id, metric, labels)) WITHOUT ROWID;
                    CREATE TABLE machines (
                        machine_id TEXT PRIMARY KEY, hostname TEXT NOT NULL, os TEXT NOT NULL, kernel TEXT NOT NULL,
                        cores INTEGER NOT NULL, agent_version TEXT NOT NULL, labels TEXT NOT NULL,
                        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, last_sequence INTEGER NOT NULL);
                    CREATE TABLE batches_seen (
                        machine_id TEXT NOT NULL, sequence INTEGER NOT NULL, seen_at INTEGER NOT NULL,
                        PRIMARY KEY (machine_id, sequence)) WITHOUT ROWID;
                    CREATE TABLE process_snapshots (
                        machine_id TEXT PRIMARY KEY, ts INTEGER NOT NULL, payload BLOB NOT NULL);
                    """)
        }
        migrator.registerMigration("v2 alert rules and alert history") { db in
            try db.execute(
                sql: """
                    CREATE TABLE rules (id TEXT PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL, payload BLOB NOT NULL);
                    CREATE TABLE alert_transitions (
                        alert_id TEXT NOT NULL, to_status INTEGER NOT NULL, at_ms INTEGER NOT NULL, payload BLOB NOT NULL,
                        PRIMARY KEY (alert_id, to_status)) WITHOUT ROWID;
                    CREATE TABLE alerts (
                        id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, machine_id TEXT NOT NULL, status INTEGER NOT NULL,
                        started_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, payload BLOB NOT NULL);
                    CREATE INDEX alerts_by_update ON alerts (updated_ms DESC);
                    """)
        }
        migrator.registerMigration("v3 ticks, layouts and rollup passes") { db in
            // Raw data as one row per machine instant; rollups by a pass over closed buckets instead of two
            // upserts per sample (issue 11). The bucket indexes serve the hour pass and retention.
            try db.execute(
                sql: """
                    CREATE TABLE layouts (
                        id INTEGER PRIMARY KEY, identity TEXT NOT NULL UNIQUE, metrics TEXT NOT NULL, labels TEXT NOT NULL);
                    CREATE TABLE ticks (
                        machine_id TEXT NOT NULL, ts INTEGER NOT NULL, layout INTEGER NOT NULL, vals BLOB NOT NULL,
                        PRIMARY KEY (machine_id, ts, layout)) WITHOUT ROWID;
                    CREATE TABLE rollup_dirty (
                        tier TEXT NOT NULL, bucket INTEGER NOT NULL, PRIMARY KEY (tier, bucket)) WITHOUT ROWID;
                    CREATE TABLE rollup_state (tier TEXT PRIMARY KEY, watermark INTEGER NOT NULL);
                    CREATE INDEX samples_1m_by_bucket ON samples_1m (bucket);
                    CREATE INDEX samples_1h_by_bucket ON samples_1h (bucket);
                    """)
            try SQLiteTickUpgrade.carryForward(db)
            try db.execute(
                sql: """
                    CREATE INDEX ticks_by_time ON ticks (ts);
                    DROP TABLE samples;
                    DROP TABLE latest;
                    """)
        }
        // Retiring keeps the machine's row and history; a batch received after retired_at brings it back.
        migrator.registerMigration("v4 retired machines") { db in
            try db.execute(sql: "ALTER TABLE machines ADD COLUMN retired_at INTEGER")
        }
        // Matchers as JSON text ([{"name","op","value"}]); expired silences stay until retention removes them.
        migrator.registerMigration("v5 silences") { db in
            try db.execute(
                sql: """
                    CREATE TABLE silences (
                        id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at_ms INTEGER NOT NULL,
                        ends_at_ms INTEGER NOT NULL, created_by TEXT NOT NULL, comment TEXT NOT NULL,
                        created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL);
                    CREATE INDEX silences_by_end ON silences (ends_at_ms);
                    """)
        }
        // Per-machine credentials (only their SHA-256) and the audit trail; refusals aggregate per machine,
        // reason and minute (bucket_ms), the other events have no bucket and never merge.
        migrator.registerMigration("v6 machine credentials") { db in
            try db.execute(
                sql: """
                    CREATE TABLE machine_credentials (
                        token_hash TEXT PRIMARY KEY, machine_id TEXT NOT NULL, created_at_ms INTEGER NOT NULL,
                        last_used_at_ms INTEGER, revoked_at_ms INTEGER);
                    CREATE UNIQUE INDEX machine_credentials_active ON machine_credentials (machine_id)
                        WHERE revoked_at_ms IS NULL;
                    CREATE TABLE credential_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, last_at_ms INTEGER NOT NULL,
                        machine_id TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL, count INTEGER NOT NULL,
                        bucket_ms INTEGER);
                    CREATE UNIQUE INDEX credential_events_refusals ON credential_events (kind, machine_id, detail, bucket_ms);
                    CREATE INDEX credential_events_by_time ON credential_events (last_at_ms);
                    """)
        }
        return migrator
    }
}
