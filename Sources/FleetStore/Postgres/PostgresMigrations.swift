/// The PostgreSQL schema as numbered migrations, applied in order and recorded in `schema_migrations`.
/// Append new migrations; never edit an applied one. Each is a list of single statements because the
/// extended query protocol runs one statement per query.
enum PostgresMigrations {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// Key of the advisory lock that serializes migrations of concurrently starting replicas.
    static let advisoryLockKey: Int64 = 0x466C_6565_7477_01  // "Fleetw" + 1

    static let all: [Migration] = [
        Migration(
            version: 1, name: "machines and partitioned raw samples",
            statements: [
                """
                CREATE TABLE machines (
                    machine_id text PRIMARY KEY,
                    hostname text NOT NULL DEFAULT '',
                    os text NOT NULL DEFAULT '',
                    kernel text NOT NULL DEFAULT '',
                    cores integer NOT NULL DEFAULT 0,
                    agent_version text NOT NULL DEFAULT '',
                    labels jsonb NOT NULL DEFAULT '{}',
                    first_seen timestamptz NOT NULL,
                    last_seen timestamptz NOT NULL,
                    last_sequence bigint NOT NULL DEFAULT 0
                )
                """,
                // Daily partitions (samples_pYYYYMMDD, UTC) are created on demand by the writer.
                """
                CREATE TABLE samples (
                    machine_id text NOT NULL,
                    metric text NOT NULL,
                    labels text NOT NULL,
                    ts timestamptz NOT NULL,
                    value double precision NOT NULL,
                    PRIMARY KEY (machine_id, metric, labels, ts)
                ) PARTITION BY RANGE (ts)
                """,
            ]),
        Migration(
            version: 2, name: "1-minute and 1-hour rollups",
            statements: [
                """
                CREATE TABLE samples_1m (
                    machine_id text NOT NULL,
                    metric text NOT NULL,
                    labels text NOT NULL,
                    bucket timestamptz NOT NULL,
                    min double precision NOT NULL,
                    max double precision NOT NULL,
                    sum double precision NOT NULL,
                    count bigint NOT NULL,
                    PRIMARY KEY (machine_id, metric, labels, bucket)
                )
                """,
                "CREATE INDEX samples_1m_bucket ON samples_1m (bucket)",
                """
                CREATE TABLE samples_1h (
                    machine_id text NOT NULL,
                    metric text NOT NULL,
                    labels text NOT NULL,
                    bucket timestamptz NOT NULL,
                    min double precision NOT NULL,
                    max double precision NOT NULL,
                    sum double precision NOT NULL,
                    count bigint NOT NULL,
                    PRIMARY KEY (machine_id, metric, labels, bucket)
                )
                """,
                "CREATE INDEX samples_1h_bucket ON samples_1h (bucket)",
            ]),
        Migration(
            version: 3, name: "process snapshots and batch sequence accounting",
            statements: [
                """
                CREATE TABLE process_snapshots (
                    machine_id text PRIMARY KEY,
                    ts timestamptz NOT NULL,
                    payload bytea NOT NULL
                )
                """,
                """
                CREATE TABLE batches_seen (
                    machine_id text NOT NULL,
                    sequence bigint NOT NULL,
                    seen_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (machine_id, sequence)
                )
                """,
                "CREATE INDEX batches_seen_seen_at ON batches_seen (seen_at)",
            ]),
        Migration(
            version: 4, name: "alert rules and alert history",
            statements: [
                "CREATE TABLE rules (id text PRIMARY KEY, name text NOT NULL, version bigint NOT NULL, payload bytea NOT NULL)",
                """
                CREATE TABLE alert_transitions (
                    alert_id text NOT NULL, to_status integer NOT NULL, at_ms bigint NOT NULL, payload bytea NOT NULL,
                    PRIMARY KEY (alert_id, to_status)
                )
                """,
                """
                CREATE TABLE alerts (
                    id text PRIMARY KEY, rule_id text NOT NULL, machine_id text NOT NULL, status integer NOT NULL,
                    started_ms bigint NOT NULL, updated_ms bigint NOT NULL, payload bytea NOT NULL
                )
                """,
                "CREATE INDEX alerts_by_update ON alerts (updated_ms DESC)",
            ]),
    ]
}
