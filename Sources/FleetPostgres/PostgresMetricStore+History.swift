import FleetCore
import FleetProto
import FleetStore
import Foundation
import PostgresNIO
import SwiftProtobuf

extension PostgresMetricStore {
    /// How far back from the machine's last batch `latest(machine:)` looks: series silent for longer are
    /// not "current" any more, and the bound keeps the scan to the newest partitions.
    static let latestWindow = "interval '1 hour'"

    public func latest(machine: String) async throws -> [LatestSample] {
        try await wrap("latest") {
            var samples: [LatestSample] = []
            // The newest row of each layout the machine used in the window holds the newest value of each of
            // its series; the legacy row-per-sample table only matters right after an upgrade.
            let rows = try await client.query(
                """
                WITH since AS (
                    SELECT last_seen - \(unescaped: Self.latestWindow) AS t FROM machines WHERE machine_id = \(machine)
                ), newest AS (
                    SELECT DISTINCT ON (layout) layout, ts, vals FROM ticks
                    WHERE machine_id = \(machine) AND ts >= (SELECT t FROM since)
                    ORDER BY layout, ts DESC
                ), candidates AS (
                    SELECT u.metric, u.labels, n.ts, u.value
                    FROM newest n JOIN layouts l ON l.id = n.layout
                    CROSS JOIN LATERAL unnest(l.metrics, l.labels, n.vals) AS u(metric, labels, value)
                    UNION ALL
                    SELECT metric, labels, ts, value FROM samples
                    WHERE machine_id = \(machine) AND ts >= (SELECT t FROM since)
                )
                SELECT DISTINCT ON (metric, labels) metric, labels, ts, value FROM candidates
                ORDER BY metric, labels, ts DESC
                """, logger: logger)
            for try await (metric, labels, time, value) in rows.decode((String, String, Date, Double).self) {
                samples.append(LatestSample(metric: metric, labels: LabelSet.parse(labels), time: time, value: value))
            }
            return samples
        }
    }

    public func history(
        machine: String, metric: String, labels: [String: String], from: Date, to: Date, step: Duration?
    ) async throws -> MetricHistory {
        let plan = resolutionPolicy.plan(from: from, to: to, step: step, now: now())
        let series = LabelSet.key(labels)
        return try await wrap("history") {
            var points: [HistoryPoint] = []
            // The series' position in each layout the machine used in the raw range (a fleet may have thousands
            // of layouts; one machine uses one or a few), found from the same index range the ticks are read from.
            func positions(from start: String) -> String {
                """
                SELECT l.id, i FROM layouts l CROSS JOIN LATERAL generate_subscripts(l.metrics, 1) AS i
                WHERE l.id IN (SELECT DISTINCT layout FROM ticks WHERE machine_id = $2 AND ts >= \(start) AND ts < $6)
                  AND l.metrics[i] = $3 AND l.labels[i] = $4
                """
            }
            // Raw points of the series between $5 and $6: ticks, and the legacy row-per-sample table.
            let raw = """
                SELECT t.ts, t.vals[p.i] AS value FROM ticks t JOIN positions p ON p.id = t.layout
                WHERE t.machine_id = $2 AND t.ts >= $5 AND t.ts < $6
                UNION ALL
                SELECT ts, value FROM samples WHERE machine_id = $2 AND metric = $3 AND labels = $4 AND ts >= $5 AND ts < $6
                """
            var query: PostgresQuery
            switch (plan.resolution, plan.step) {
            case (.raw, nil):
                query = PostgresQuery(
                    unsafeSQL: """
                        WITH positions AS (\(positions(from: "$5")))
                        SELECT ts, value, value, value, $1::int8 FROM (\(raw)) r ORDER BY ts
                        """)
            case (.raw, let step?):
                query = PostgresQuery(
                    unsafeSQL: """
                        WITH positions AS (\(positions(from: "$5")))
                        SELECT date_bin($1 * interval '1 millisecond', ts, timestamptz 'epoch') AS b,
                            min(value), max(value), sum(value), count(*)
                        FROM (\(raw)) r GROUP BY b ORDER BY b
                        """)
                query.binds.append(step.wholeMilliseconds)
            case (let resolution, let step):
                // Each tier answers the buckets it holds for sure (before its watermark); the finer tiers
                // answer the rest, so the answer does not depend on whether the rollup pass has run yet.
                let stepMs = (step ?? resolution.bucket!).wholeMilliseconds
                let hourTier =
                    resolution == .hour
                    ? """
                    SELECT bucket AS b, min AS lo, max AS hi, sum AS s, count AS c FROM samples_1h
                    WHERE machine_id = $2 AND metric = $3 AND labels = $4 AND bucket >= $5 AND bucket < $6
                      AND bucket < (SELECT h FROM w)
                    UNION ALL
                    """ : ""
                let minuteFrom = resolution == .hour ? "greatest($5, (SELECT h FROM w))" : "$5"
                query = PostgresQuery(
                    unsafeSQL: """
                        WITH w AS (
                            SELECT max(watermark) FILTER (WHERE tier = 'm') AS m, max(watermark) FILTER (WHERE tier = 'h') AS h
                            FROM rollup_state
                        ),
                        positions AS (\(positions(from: "greatest($5, (SELECT m FROM w))")))
                        SELECT date_bin($1 * interval '1 millisecond', b, timestamptz 'epoch') AS bb,
                            min(lo), max(hi), sum(s), sum(c)::int8
                        FROM (
                            \(hourTier)
                            SELECT bucket, min, max, sum, count FROM samples_1m
                            WHERE machine_id = $2 AND metric = $3 AND labels = $4 AND bucket >= \(minuteFrom) AND bucket < $6
                              AND bucket < (SELECT m FROM w)
                            UNION ALL
                            SELECT ts, value, value, value, 1 FROM (\(raw)) r WHERE ts >= (SELECT m FROM w)
                        ) tiers (b, lo, hi, s, c)
                        GROUP BY bb ORDER BY bb
                        """)
                query.binds.append(stepMs)
                query.binds.append(machine)
                query.binds.append(metric)
                query.binds.append(series)
                // Whole buckets: start at the step bucket that holds `from`.
                query.binds.append(Self.binStart(from, stepMs: stepMs))
                query.binds.append(to)
            }
            if plan.resolution == .raw {
                if plan.step == nil { query.binds.append(Int64(1)) }  // $1: the count of one raw point
                query.binds.append(machine)
                query.binds.append(metric)
                query.binds.append(series)
                query.binds.append(from)
                query.binds.append(to)
            }
            for try await (time, low, high, sum, count) in try await client.query(query, logger: logger).decode(
                (Date, Double, Double, Double, Int).self)
            {
                points.append(HistoryPoint(time: time, min: low, max: high, sum: sum, count: count))
            }
            return MetricHistory(resolution: plan.resolution, step: plan.step, points: points)
        }
    }

    /// The start of the `stepMs` bucket (aligned to 1970) that holds `date`.
    static func binStart(_ date: Date, stepMs: Int64) -> Date {
        Date(timeIntervalSince1970: Double(RollupPolicy.floor(date.millisecondsSince1970, to: stepMs)) / 1000)
    }

    public func machines() async throws -> [MachineRecord] {
        try await wrap("machines") {
            var records: [MachineRecord] = []
            let rows = try await client.query(
                """
                SELECT machine_id, hostname, os, kernel, cores, agent_version, labels::text, first_seen, last_seen,
                    last_sequence
                FROM machines WHERE retired_at IS NULL OR last_seen > retired_at ORDER BY machine_id
                """, logger: logger)
            for try await (id, hostname, os, kernel, cores, agent, labels, first, last, sequence) in rows.decode(
                (String, String, String, String, Int32, String, String, Date, Date, Int64).self)
            {
                let decoded = (try? JSONDecoder().decode([String: String].self, from: Data(labels.utf8))) ?? [:]
                records.append(
                    MachineRecord(
                        machineID: id, hostname: hostname, os: os, kernel: kernel, cores: Int(cores),
                        agentVersion: agent, labels: decoded, firstSeen: first, lastSeen: last,
                        lastSequence: UInt64(clamping: sequence)))
            }
            return records
        }
    }

    public func retire(machine: String, at: Date) async throws -> Bool {
        try await wrap("retire") {
            var found = false
            for try await _ in try await client.query(
                "UPDATE machines SET retired_at = \(at) WHERE machine_id = \(machine) RETURNING 1", logger: logger
            ).decode(Int.self) { found = true }
            return found
        }
    }

    public func latestProcesses(machine: String) async throws -> Fleetwatch_V1_ProcessSnapshot? {
        try await wrap("latestProcesses") {
            for try await payload in try await client.query(
                "SELECT payload FROM process_snapshots WHERE machine_id = \(machine)", logger: logger
            ).decode(ByteBuffer.self) {
                return try Fleetwatch_V1_ProcessSnapshot(serializedBytes: Array(payload.readableBytesView))
            }
            return nil
        }
    }

    public func sequenceAccounting(machine: String) async throws -> SequenceAccounting {
        try await wrap("sequenceAccounting") {
            var accounting = SequenceAccounting(count: 0, lowest: nil, highest: nil)
            for try await (count, lowest, highest) in try await client.query(
                "SELECT count(*), min(sequence), max(sequence) FROM batches_seen WHERE machine_id = \(machine)",
                logger: logger
            ).decode((Int, Int64?, Int64?).self) {
                accounting = SequenceAccounting(
                    count: count, lowest: lowest.map { UInt64(clamping: $0) }, highest: highest.map { UInt64(clamping: $0) })
            }
            return accounting
        }
    }
}
