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
        Migration(
            version: 5, name: "one row per machine tick, shared series layouts, rollups by periodic pass",
            statements: [
                // A layout is an ordered list of series shared by every machine reporting the same set;
                // identity_md5 keeps it unique without a B-tree entry over the whole arrays (entry size limit).
                """
                CREATE TABLE layouts (
                    id serial PRIMARY KEY,
                    identity_md5 text NOT NULL UNIQUE,
                    metrics text[] NOT NULL,
                    labels text[] NOT NULL
                )
                """,
                // One row per (machine, instant, layout): vals[i] belongs to layouts.metrics[i]/labels[i].
                // Daily partitions ticks_pYYYYMMDD (UTC) are created on demand by the writer.
                """
                CREATE TABLE ticks (
                    machine_id text NOT NULL,
                    ts timestamptz NOT NULL,
                    layout integer NOT NULL,
                    vals double precision[] NOT NULL,
                    PRIMARY KEY (machine_id, ts, layout)
                ) PARTITION BY RANGE (ts)
                """,
                // The rollup pass reads one minute of every machine: a BRIN index is tiny and ideal for
                // rows that arrive in time order.
                "CREATE INDEX ticks_ts ON ticks USING brin (ts)",
                // Buckets with new raw data since they were last rolled up. `writer` is the inserting backend,
                // so concurrent persist transactions never wait on each other's mark for the same minute.
                """
                CREATE TABLE rollup_dirty (
                    tier text NOT NULL, bucket timestamptz NOT NULL, writer integer NOT NULL,
                    PRIMARY KEY (tier, bucket, writer)
                )
                """,
                // tier m: every minute before `watermark` is in samples_1m; tier h: every hour before it is in
                // samples_1h; tier legacy: rows of the row-per-sample table `samples` (before this migration) end here.
                "CREATE TABLE rollup_state (tier text PRIMARY KEY, watermark timestamptz NOT NULL)",
                // Rows written before this migration were rolled up as they were inserted, so their rollups are
                // complete up to now; the minute the upgrade cuts is recomputed (with them) by the first pass.
                // `now()`, not max(ts): the old table has no index on ts, and a full scan of 30 days of rows
                // would hold every starting replica at the migration lock.
                """
                INSERT INTO rollup_state (tier, watermark)
                SELECT 'legacy', CASE WHEN EXISTS (SELECT 1 FROM samples) THEN now() ELSE timestamptz 'epoch' END
                """,
                """
                INSERT INTO rollup_state (tier, watermark)
                SELECT 'm', date_trunc('minute', watermark, 'UTC') FROM rollup_state WHERE tier = 'legacy'
                """,
                """
                INSERT INTO rollup_state (tier, watermark)
                SELECT 'h', date_trunc('hour', watermark, 'UTC') FROM rollup_state WHERE tier = 'm'
                """,
                """
                INSERT INTO rollup_dirty (tier, bucket, writer)
                SELECT 'm', watermark, 0 FROM rollup_state WHERE tier = 'm' AND watermark > timestamptz 'epoch'
                """,
                // Every stored sample as one row, for ad-hoc SQL and tests; the store itself never reads it.
                """
                CREATE VIEW sample_rows AS
                SELECT t.machine_id, u.metric, u.labels, t.ts, u.value
                FROM ticks t JOIN layouts l ON l.id = t.layout
                CROSS JOIN LATERAL unnest(l.metrics, l.labels, t.vals) AS u(metric, labels, value)
                UNION ALL
                SELECT machine_id, metric, labels, ts, value FROM samples
                """,
            ]),
        Migration(
            version: 6, name: "retired machines",
            statements: [
                // Retiring keeps the machine's row and history; a batch received after retired_at brings it back.
                "ALTER TABLE machines ADD COLUMN retired_at timestamptz"
            ]),
        Migration(
            version: 7, name: "silences",
            statements: [
                // Matchers as JSON text ([{"name","op","value"}]); expired silences stay until retention removes them.
                """
                CREATE TABLE silences (
                    id text PRIMARY KEY, matchers text NOT NULL, starts_at_ms bigint NOT NULL, ends_at_ms bigint NOT NULL,
                    created_by text NOT NULL, comment text NOT NULL, created_at_ms bigint NOT NULL,
                    updated_at_ms bigint NOT NULL)
                """,
                "CREATE INDEX silences_by_end ON silences (ends_at_ms)",
            ]),
        Migration(
            version: 8, name: "machine credentials",
            statements: [
                // Only the SHA-256 of each credential; at most one active credential per machine.
                """
                CREATE TABLE machine_credentials (
                    token_hash text PRIMARY KEY, machine_id text NOT NULL, created_at_ms bigint NOT NULL,
                    last_used_at_ms bigint, revoked_at_ms bigint)
                """,
                "CREATE UNIQUE INDEX machine_credentials_active ON machine_credentials (machine_id) WHERE revoked_at_ms IS NULL",
                // The audit trail: refusals aggregate per machine, reason and minute (bucket_ms); the other events have
                // no bucket and never merge (NULLs are distinct in a unique index).
                """
                CREATE TABLE credential_events (
                    id bigserial PRIMARY KEY, at_ms bigint NOT NULL, last_at_ms bigint NOT NULL, machine_id text NOT NULL,
                    kind text NOT NULL, detail text NOT NULL, count bigint NOT NULL, bucket_ms bigint)
                """,
                "CREATE UNIQUE INDEX credential_events_refusals ON credential_events (kind, machine_id, detail, bucket_ms)",
                "CREATE INDEX credential_events_by_time ON credential_events (last_at_ms)",
            ]),
        Migration(
            version: 9, name: "five-second summaries of ticks",
            statements: [
                // Per machine, layout and 5 s (aligned to 1970): the ticks it summarises (n) and, in the layout's
                // order, each series' sums, then minimums, then maximums (stats has 3 × the layout's length). The
                // rollup pass writes a closed minute's twelve with its 1-minute rollups, so a chart of an hour reads
                // 720 rows instead of 3,600 ticks. Daily partitions ticks_5s_pYYYYMMDD, dropped with the ticks'.
                """
                CREATE TABLE ticks_5s (
                    machine_id text NOT NULL,
                    bucket timestamptz NOT NULL,
                    layout integer NOT NULL,
                    n integer NOT NULL,
                    stats double precision[] NOT NULL,
                    PRIMARY KEY (machine_id, bucket, layout)
                ) PARTITION BY RANGE (bucket)
                """,
                // The minute rollup reads one minute of every machine's summaries.
                "CREATE INDEX ticks_5s_bucket ON ticks_5s USING brin (bucket)",
                // tier 5s: the summaries hold every closed minute from here on (minutes rolled up before this
                // migration have none; history reads their ticks).
                "INSERT INTO rollup_state (tier, watermark) SELECT '5s', watermark FROM rollup_state WHERE tier = 'm'",
            ]),
        Migration(
            version: 10, name: "five-second summaries, one row per minute",
            statements: [
                // The summaries of schema 9 (a row per 5 s) are dropped, not converted: a week of them is hours of
                // work under the migration lock. Minutes they covered are read from the raw ticks again.
                "DROP TABLE ticks_5s",
                // Per machine, layout and minute: the 5 s slots that had ticks (0-11, ascending), the ticks each
                // summarises (n) and, per series in the layout's order, its sums, minimums and maximums in those
                // slots (stats: the layout's length × 3 × the slots). One row instead of one per slot: a 1-hour chart
                // reads 60 rows and takes one series out of each with one slice, and the row overhead and index
                // entries of eleven rows are saved. Empty slots take no room (a machine reporting every minute has
                // one slot per row).
                """
                CREATE TABLE ticks_5s (
                    machine_id text NOT NULL,
                    bucket timestamptz NOT NULL,
                    layout integer NOT NULL,
                    slots smallint[] NOT NULL,
                    n integer[] NOT NULL,
                    stats double precision[] NOT NULL,
                    PRIMARY KEY (machine_id, bucket, layout)
                ) PARTITION BY RANGE (bucket)
                """,
                // Concatenates arrays of different lengths (array_agg wants them all alike): the chart's statement
                // joins its minute rows' slots, counts and statistics into one array each.
                "CREATE AGGREGATE fleetwatch_concat(anycompatiblearray) (SFUNC = array_cat, STYPE = anycompatiblearray)",
                "CREATE INDEX ticks_5s_bucket ON ticks_5s USING brin (bucket)",
                // Inline while a row fits a page (a minute of up to ~28 series): a chart then reads a page per minute.
                // Out of line (TOAST, the default for rows over 2 KB) it read ~8 buffers per minute, twice the time.
                "ALTER TABLE ticks_5s ALTER COLUMN stats SET STORAGE MAIN",
                // Summaries exist again from the next minute the rollup pass closes.
                """
                UPDATE rollup_state SET watermark = greatest(watermark, (SELECT watermark FROM rollup_state WHERE tier = 'm'))
                WHERE tier = '5s'
                """,
            ]),
    ]
}
