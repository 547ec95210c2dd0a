import FleetProto
import FleetStore
import Logging
import PostgresNIO

extension PostgresMetricStore {
    static let stagingTable = "fleetwatch_staging"
    static let stagingColumns = ["machine_id", "ts_ms", "layout", "vals"]

    /// Milliseconds since 1970 as timestamptz, exact (no floating point on the way).
    static func timestamp(_ column: String) -> String { "(timestamptz 'epoch' + \(column) * interval '1 millisecond')" }

    /// Rows are inserted in primary-key order, so concurrent replicas writing overlapping keys
    /// (a redelivered batch) take row locks in the same order and cannot deadlock. Every minute that got
    /// new rows is marked for the rollup pass, under this backend's own key so that concurrent writers
    /// never wait for each other's mark.
    static let insertTicks = """
        WITH ins AS (
            INSERT INTO ticks (machine_id, ts, layout, vals)
            SELECT machine_id, \(timestamp("ts_ms")), layout, vals
            FROM \(stagingTable)
            ORDER BY machine_id, ts_ms, layout
            ON CONFLICT DO NOTHING
            RETURNING ts, cardinality(vals) AS n
        ), marks AS (
            INSERT INTO rollup_dirty (tier, bucket, writer)
            SELECT DISTINCT 'm', date_trunc('minute', ts, 'UTC'), pg_backend_pid() FROM ins
            ON CONFLICT DO NOTHING
        )
        SELECT coalesce(sum(n), 0)::int8 FROM ins
        """

    var createStagingStatement: String {
        let columns = "machine_id text, ts_ms bigint, layout integer, vals double precision[]"
        return switch stagingMode {
        case .sessionTable: "CREATE TEMP TABLE IF NOT EXISTS \(Self.stagingTable) (\(columns)) ON COMMIT DELETE ROWS"
        case .dropOnCommit: "CREATE TEMP TABLE \(Self.stagingTable) (\(columns)) ON COMMIT DROP"
        }
    }

    /// Ids of `layouts`, writing the ones `layouts` does not hold yet. Layouts are immutable and shared,
    /// so they are written outside the persist transaction and cached for the life of the store.
    func layoutIDs(for layouts: Set<SeriesLayout>) async throws -> [SeriesLayout: Int32] {
        // Look up this call's few layouts, not the whole cache: it holds every layout of the fleet.
        var ids = catalog.withLock { catalog in
            Dictionary(uniqueKeysWithValues: layouts.compactMap { layout in catalog.id(of: layout).map { (layout, Int32($0)) } })
        }
        for layout in layouts where ids[layout] == nil {
            let identity = layout.identity
            func stored() async throws -> Int32? {
                for try await id in try await client.query(
                    "SELECT id FROM layouts WHERE identity_md5 = md5(\(identity))", logger: logger
                ).decode(Int32.self) {
                    return id
                }
                return nil
            }
            // Look before inserting: an insert that conflicts still uses up a number of the id sequence, and
            // readers size their position arrays by the highest id (`LayoutCatalog`).
            ids[layout] = try await stored()
            if ids[layout] == nil {
                try await client.query(
                    """
                    INSERT INTO layouts (identity_md5, metrics, labels)
                    VALUES (md5(\(identity)), \(layout.metrics)::text[], \(layout.labels)::text[])
                    ON CONFLICT (identity_md5) DO NOTHING
                    """, logger: logger)
                ids[layout] = try await stored()
            }
            guard let id = ids[layout] else { throw StoreError.database(operation: "layouts", sqlState: nil, detail: "layout missing right after its insert") }
            catalog.withLock { $0.add(id: Int(id), layout: layout) }
        }
        return ids
    }

    public func persist(_ batches: [Fleetwatch_V1_MetricBatch]) async throws -> PersistResult {
        guard !batches.isEmpty else { return PersistResult() }
        let plan = try PersistPlan(batches)
        return try await wrap("persist") {
            try await ensurePartitions(plan.days)
            let copyChunks = plan.copyChunks(layoutIDs: try await layoutIDs(for: plan.layouts))
            do {
                return try await persistInTransaction(plan, copyChunks: copyChunks)
            } catch let error where (Self.cause(of: error) as? PSQLError).flatMap(Self.sqlState) == "23514" {
                // "no partition of relation samples found for row": another replica's retention dropped
                // a partition this process still believed in. Forget, recreate, retry once.
                logger.notice("partition missing; recreating", metadata: ["days": "\(plan.days.map(\.name).sorted())"])
                knownPartitions.withLock { $0.subtract(plan.days) }
                try await ensurePartitions(plan.days)
                return try await persistInTransaction(plan, copyChunks: copyChunks)
            }
        }
    }

    func persistInTransaction(_ plan: PersistPlan, copyChunks: [ByteBuffer]) async throws -> PersistResult {
        try await client.withTransaction(logger: logger) { connection in
            var result = PersistResult()
            if plan.sampleCount > 0 {
                try await connection.query(PostgresQuery(unsafeSQL: createStagingStatement), logger: logger)
                try await connection.copyFrom(
                    table: Self.stagingTable, columns: Self.stagingColumns, logger: logger
                ) { writer in
                    for chunk in copyChunks { try await writer.write(chunk) }
                }
                for try await inserted in try await connection.query(
                    PostgresQuery(unsafeSQL: Self.insertTicks), logger: logger
                ).decode(Int.self) {
                    result.samplesInserted = inserted
                }
                result.samplesDuplicate = plan.sampleCount - result.samplesInserted
            }

            try await connection.query(
                """
                INSERT INTO machines AS m (machine_id, hostname, os, kernel, cores, agent_version, labels,
                    first_seen, last_seen, last_sequence)
                SELECT u.id, u.hostname, u.os, u.kernel, u.cores, u.agent, u.labels::jsonb,
                    \(unescaped: Self.timestamp("u.first_ms")), \(unescaped: Self.timestamp("u.last_ms")), u.seq
                FROM unnest(\(plan.machineIDs)::text[], \(plan.hostnames)::text[], \(plan.oses)::text[],
                    \(plan.kernels)::text[], \(plan.cores)::int4[], \(plan.agentVersions)::text[],
                    \(plan.labelsJSON)::text[], \(plan.firstSeenMs)::int8[], \(plan.lastSeenMs)::int8[],
                    \(plan.lastSequences)::int8[])
                    AS u(id, hostname, os, kernel, cores, agent, labels, first_ms, last_ms, seq)
                ORDER BY u.id
                ON CONFLICT (machine_id) DO UPDATE SET
                    hostname = CASE WHEN EXCLUDED.last_seen >= m.last_seen THEN EXCLUDED.hostname ELSE m.hostname END,
                    os = CASE WHEN EXCLUDED.last_seen >= m.last_seen THEN EXCLUDED.os ELSE m.os END,
                    kernel = CASE WHEN EXCLUDED.last_seen >= m.last_seen THEN EXCLUDED.kernel ELSE m.kernel END,
                    cores = CASE WHEN EXCLUDED.last_seen >= m.last_seen THEN EXCLUDED.cores ELSE m.cores END,
                    agent_version = CASE WHEN EXCLUDED.last_seen >= m.last_seen
                        THEN EXCLUDED.agent_version ELSE m.agent_version END,
                    labels = CASE WHEN EXCLUDED.last_seen >= m.last_seen THEN EXCLUDED.labels ELSE m.labels END,
                    first_seen = LEAST(m.first_seen, EXCLUDED.first_seen),
                    last_seen = GREATEST(m.last_seen, EXCLUDED.last_seen),
                    last_sequence = GREATEST(m.last_sequence, EXCLUDED.last_sequence)
                """, logger: logger)

            for try await newBatches in try await connection.query(
                """
                WITH b AS (
                    INSERT INTO batches_seen (machine_id, sequence)
                    SELECT * FROM unnest(\(plan.batchMachineIDs)::text[], \(plan.batchSequences)::int8[]) AS u(id, seq)
                    ORDER BY 1, 2
                    ON CONFLICT DO NOTHING
                    RETURNING 1
                )
                SELECT count(*) FROM b
                """, logger: logger
            ).decode(Int.self) {
                result.batchesNew = newBatches
            }
            result.batchesDuplicate = plan.batchCount - result.batchesNew

            if !plan.snapshotMachineIDs.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO process_snapshots AS p (machine_id, ts, payload)
                    SELECT u.id, \(unescaped: Self.timestamp("u.ms")), u.payload
                    FROM unnest(\(plan.snapshotMachineIDs)::text[], \(plan.snapshotMs)::int8[],
                        \(plan.snapshotPayloads)::bytea[]) AS u(id, ms, payload)
                    ORDER BY u.id
                    ON CONFLICT (machine_id) DO UPDATE SET ts = EXCLUDED.ts, payload = EXCLUDED.payload
                    WHERE p.ts <= EXCLUDED.ts
                    """, logger: logger)
            }
            return result
        }
    }
}
