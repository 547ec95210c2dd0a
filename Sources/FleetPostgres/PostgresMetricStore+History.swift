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
            let boundaries = try await tierBoundaries()
            // The series' position in each tick's layout comes from the layouts this store knows (`LayoutCatalog`),
            // as one array parameter indexed by layout id: one pass over the machine's ticks, no join. A tick of a
            // layout it does not know yet makes the answer incomplete; those layouts are loaded and it asks again
            // (a new layout can appear meanwhile, hence a few rounds).
            var answer = HistoryAnswer()
            for round in 1...Self.historyRounds {
                let positions = catalog.withLock { $0.positions(metric: metric, labels: series) }
                answer = try await historyRows(
                    plan: plan, machine: machine, metric: metric, series: series, from: from, to: to,
                    positions: positions, boundaries: boundaries)
                guard answer.metUnknownLayout, round < Self.historyRounds else { break }
                try await loadLayouts(
                    machine: machine, from: answer.readFrom, to: to, rawFromMinuteWatermark: answer.rawFromMinuteWatermark)
            }
            if answer.metUnknownLayout {
                logger.warning(
                    "history left out ticks of layouts that kept appearing while it read",
                    metadata: ["machine": "\(machine)", "metric": "\(metric)"])
            }
            return MetricHistory(resolution: plan.resolution, step: plan.step, points: answer.points)
        }
    }

    static let historyRounds = 3

    struct HistoryAnswer {
        var points: [HistoryPoint] = []
        /// Some tick in the range had a layout the catalogue did not know: its values are missing from `points`.
        var metUnknownLayout = false
        /// Where the answer read from: `from`, or for rollup resolutions the start of the step bucket that holds it.
        var readFrom = Date.distantPast
        /// Raw ticks were read from the minute watermark on (the rest came from rollups), when later than `readFrom`.
        var rawFromMinuteWatermark = false
    }

    private func historyRows(
        plan: ResolutionPolicy.Plan, machine: String, metric: String, series: String, from: Date, to: Date,
        positions: [Int32], boundaries: TierBoundaries
    ) async throws -> HistoryAnswer {
        var answer = HistoryAnswer()
        // Rollup resolutions answer whole buckets: from the start of the step bucket that holds `from`.
        let stepMs: Int64? =
            switch plan.resolution {
            case .raw: plan.step?.wholeMilliseconds
            default: (plan.step ?? plan.resolution.bucket!).wholeMilliseconds
            }
        answer.readFrom = plan.resolution == .raw ? from : Self.binStart(from, stepMs: stepMs!)
        let legacy = answer.readFrom < boundaries.legacyEnd
        var query: PostgresQuery
        switch (plan.resolution, plan.step) {
        case (.raw, nil):
            query = PostgresQuery(
                unsafeSQL: """
                    SELECT ts, value, value, value, $1::int8, p < 0 FROM (\(Self.rawPointsSQL(from: "$5", legacy: legacy))) r
                    ORDER BY ts
                    """)
        case (.raw, _?) where !legacy && stepMs! % TierBoundaries.summaryMilliseconds == 0:
            let width = TierBoundaries.summaryMilliseconds
            // Rounded up: a `from` a fraction of a millisecond after a bucket's start must not take that bucket.
            let fromMs = Int64((from.timeIntervalSince1970 * 1000).rounded(.up))
            let firstWhole = -RollupPolicy.floor(-fromMs, to: width)
            // Not before the summaries begin, nor in a day whose summaries retention may have dropped.
            let kept = DailyPartition(
                containing: now().addingTimeInterval(-ResolutionPolicy.seconds(retention.summaries)), parent: .fiveSeconds)
            let summariesFrom = max(
                firstWhole, boundaries.fiveSecondsStart.millisecondsSince1970, kept.lowerBound.millisecondsSince1970)
            // The chart's hot path, a prepared statement: parsed once per connection, not on every answer.
            let statement = SummaryHistoryStatement(
                stepMs: stepMs!, machine: machine, from: answer.readFrom, to: to, positions: positions,
                summariesFrom: Date(millisecondsSince1970: summariesFrom),
                summariesTo: Date(millisecondsSince1970: RollupPolicy.floor(to.millisecondsSince1970, to: width)))
            for try await row in try await client.execute(statement, logger: logger) {
                (answer.points, answer.metUnknownLayout) = try statement.points(row)
            }
            return answer
        case (.raw, _?):
            query = PostgresQuery(
                unsafeSQL: """
                    SELECT date_bin($1 * interval '1 millisecond', ts, timestamptz 'epoch') AS b,
                        min(value), max(value), sum(value), count(value), bool_or(p < 0)
                    FROM (\(Self.rawPointsSQL(from: "$5", legacy: legacy))) r GROUP BY b ORDER BY b
                    """)
        case (let resolution, _):
            // Each tier answers the buckets it holds for sure (before its watermark); the finer tiers
            // answer the rest, so the answer does not depend on whether the rollup pass has run yet.
            let hourTier =
                resolution == .hour
                ? """
                SELECT bucket AS b, min AS lo, max AS hi, sum AS s, count AS c, false AS u FROM samples_1h
                WHERE machine_id = $2 AND metric = $3 AND labels = $4 AND bucket >= $5 AND bucket < $6
                  AND bucket < (SELECT h FROM w)
                UNION ALL
                """ : ""
            let minuteFrom = resolution == .hour ? "greatest($5, (SELECT h FROM w))" : "$5"
            answer.rawFromMinuteWatermark = true
            query = PostgresQuery(
                unsafeSQL: """
                    WITH w AS (
                        SELECT max(watermark) FILTER (WHERE tier = 'm') AS m, max(watermark) FILTER (WHERE tier = 'h') AS h
                        FROM rollup_state
                    )
                    SELECT date_bin($1 * interval '1 millisecond', b, timestamptz 'epoch') AS bb,
                        min(lo), max(hi), sum(s), sum(c)::int8, bool_or(u)
                    FROM (
                        \(hourTier)
                        SELECT bucket, min, max, sum, count, false FROM samples_1m
                        WHERE machine_id = $2 AND metric = $3 AND labels = $4 AND bucket >= \(minuteFrom) AND bucket < $6
                          AND bucket < (SELECT m FROM w)
                        UNION ALL
                        SELECT ts, value, value, value, (value IS NOT NULL)::int, p < 0
                        FROM (\(Self.rawPointsSQL(from: "greatest($5, (SELECT m FROM w))", legacy: legacy))) r
                    ) tiers (b, lo, hi, s, c, u)
                    GROUP BY bb ORDER BY bb
                    """)
        }
        // $1: the step in milliseconds, or the count of one raw point.
        query.binds.append(stepMs ?? 1)
        query.binds.append(machine)
        query.binds.append(metric)
        query.binds.append(series)
        query.binds.append(answer.readFrom)
        query.binds.append(to)
        query.binds.append(positions)
        query.sql = Self.answerSQL(points: query.sql)
        try await collect(try await client.query(query, logger: logger).decode(AnswerRow.self), into: &answer)
        return answer
    }

    /// One answer: times (ms), minimums, maximums, sums and counts of the points with values as binary `int8[]` and
    /// `float8[]` (`BinaryArray`; NULL when there is none), and whether a tick or summary of a layout not known yet
    /// was met.
    typealias AnswerRow = (ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, Bool)

    /// The points come back as one row of arrays, not a row per point: decoding 720 rows one by one took the client
    /// longer than PostgreSQL took to answer (docs/benchmarks.md, "History queries through REST"). The points arrive
    /// in time order (`points` ends with ORDER BY) and one aggregate node feeds the same rows to the five arrays, so
    /// they need no sort of their own (five sorts were a fifth of the statement's execution); `collect` still
    /// sorts the points if they ever came out of order.
    static func answerSQL(points: String) -> String {
        """
        SELECT array_agg((extract(epoch FROM t) * 1000)::int8) FILTER (WHERE v), array_agg(lo) FILTER (WHERE v),
            array_agg(hi) FILTER (WHERE v), array_agg(s) FILTER (WHERE v), array_agg(c::int8) FILTER (WHERE v),
            coalesce(bool_or(u), false)
        FROM (SELECT t, lo, hi, s, c, u, \(hasValues) AS v FROM (\(points)) points (t, lo, hi, s, c, u)) p
        """
    }

    private func collect<Rows: AsyncSequence>(_ rows: Rows, into answer: inout HistoryAnswer) async throws
    where Rows.Element == AnswerRow {
        for try await (times, lows, highs, sums, counts, unknown) in rows {
            answer.metUnknownLayout = unknown
            guard let times, let lows, let highs, let sums, let counts else { continue }
            let (t, lo, hi, s, c) = (
                try BinaryArray.int64s(times), try BinaryArray.doubles(lows), try BinaryArray.doubles(highs),
                try BinaryArray.doubles(sums), try BinaryArray.int64s(counts)
            )
            guard [lo.count, hi.count, s.count, c.count].allSatisfy({ $0 == t.count }) else { continue }
            answer.points.reserveCapacity(t.count)
            for index in t.indices {
                answer.points.append(
                    HistoryPoint(
                        time: Date(millisecondsSince1970: t[index]), min: lo[index], max: hi[index], sum: s[index],
                        count: Int(c[index])))
            }
        }
        if !answer.points.isEmpty, zip(answer.points, answer.points.dropFirst()).contains(where: { $0.time > $1.time }) {
            answer.points.sort { $0.time < $1.time }
        }
    }

    /// Raw points of the series from `rawFrom` to `rawTo`: its value in each tick ($7: the series' position in each
    /// layout, by layout id; 0: not in that layout, -1: a layout not known), and the legacy row-per-sample table
    /// ($3, $4: metric and labels) only when the range reaches back before the upgrade that ended it.
    static func rawPointsSQL(from rawFrom: String, to rawTo: String = "$6", legacy: Bool) -> String {
        let ticks = """
            SELECT ts, vals[p] AS value, p FROM (
                SELECT ts, vals, coalesce(($7::int4[])[layout], \(LayoutCatalog.unknownLayout)) AS p FROM ticks
                WHERE machine_id = $2 AND ts >= \(rawFrom) AND ts < \(rawTo)
            ) t WHERE p <> 0
            """
        guard legacy else { return ticks }
        return ticks + """

            UNION ALL
            SELECT ts, value, 1 FROM samples
            WHERE machine_id = $2 AND metric = $3 AND labels = $4 AND ts >= \(rawFrom) AND ts < \(rawTo)
            """
    }

    /// A point with values: not only ticks or summaries of layouts not known yet.
    static let hasValues = "c > 0 AND lo IS NOT NULL AND hi IS NOT NULL AND s IS NOT NULL"

    /// Adds to the catalogue every layout `machine`'s ticks used from `from` (or the minute watermark, when later
    /// and `rawFromMinuteWatermark`) to `to`.
    private func loadLayouts(machine: String, from: Date, to: Date, rawFromMinuteWatermark: Bool) async throws {
        var loaded: [(Int, SeriesLayout)] = []
        let start =
            rawFromMinuteWatermark ? "greatest($2, (SELECT watermark FROM rollup_state WHERE tier = 'm'))" : "$2"
        var query = PostgresQuery(
            unsafeSQL: """
                SELECT id, metrics, labels FROM layouts
                WHERE id IN (SELECT DISTINCT layout FROM ticks WHERE machine_id = $1 AND ts >= \(start) AND ts < $3)
                """)
        query.binds.append(machine)
        query.binds.append(from)
        query.binds.append(to)
        for try await (id, metrics, labels) in try await client.query(query, logger: logger
        ).decode((Int32, [String], [String]).self) {
            guard metrics.count == labels.count else { continue }
            loaded.append((Int(id), SeriesLayout(metrics: metrics, labels: labels)))
        }
        catalog.withLock { catalog in
            for (id, layout) in loaded { catalog.add(id: id, layout: layout) }
        }
    }

    /// Where the legacy row-per-sample table ends and the five-second summaries begin; read once: the migrations
    /// that set them fixed them. Rows a schema-4 binary still wrote to the legacy table after the upgrade are not
    /// read (upgrade every persister together across schema 5: docs/operations.md "Upgrades").
    func tierBoundaries() async throws -> TierBoundaries {
        if let known = boundaries.withLock({ $0 }) { return known }
        var found = TierBoundaries(legacyEnd: Date(timeIntervalSince1970: 0), fiveSecondsStart: .distantFuture)
        for try await (tier, at) in try await client.query(
            "SELECT tier, watermark FROM rollup_state WHERE tier IN ('legacy', '5s')", logger: logger
        ).decode((String, Date).self) {
            if tier == "legacy" { found.legacyEnd = at } else { found.fiveSecondsStart = at }
        }
        boundaries.withLock { $0 = found }
        return found
    }

    /// The start of the `stepMs` bucket (aligned to 1970) that holds `date`.
    static func binStart(_ date: Date, stepMs: Int64) -> Date {
        Date(millisecondsSince1970: RollupPolicy.floor(date.millisecondsSince1970, to: stepMs))
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
