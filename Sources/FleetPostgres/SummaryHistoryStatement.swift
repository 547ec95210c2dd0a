import FleetStore
import Foundation
import PostgresNIO

/// The history query of a chart whose step is a multiple of five seconds (the dashboard's 1-hour chart: 720 buckets
/// of 5 s), as a prepared statement: PostgreSQL parses it once per connection instead of on every answer.
///
/// The five-second summaries (a row per minute, a slot per 5 s) answer whole 5 s buckets from $8 (the first that
/// starts at or after `from`, and not before the summaries do) up to $9 (the end of the last that ends by `to`), the
/// minute watermark or the first minute marked for the pass again (a late tick re-opened it; one that holds $8 keeps
/// the summaries out altogether), whichever is first; raw ticks answer the rest of the range on either side. So the
/// points are those raw ticks give (sums up to floating-point rounding), also right after late data. ($3 and $4, the
/// legacy table's metric and labels, are bound but not read: the statement is not used for a range that reaches the
/// legacy table.)
struct SummaryHistoryStatement: PostgresPreparedStatement {
    typealias Row = PostgresMetricStore.AnswerRow

    static let sql = PostgresMetricStore.answerSQL(
        points: """
            WITH e AS (
                SELECT greatest($8, least(
                    $9, (SELECT watermark FROM rollup_state WHERE tier = 'm'),
                    (SELECT min(bucket) FROM rollup_dirty
                     WHERE tier = 'm' AND bucket >= date_bin(interval '1 minute', $8, timestamptz 'epoch')))) AS at
            )
            SELECT date_bin($1 * interval '1 millisecond', b, timestamptz 'epoch') AS bb,
                min(lo), max(hi), sum(s), sum(c)::int8, bool_or(u)
            FROM (
                -- A summary of a layout not known (p = -1) brings no values, only the flag.
                SELECT b, CASE WHEN p > 0 THEN st[j][k + p] END, CASE WHEN p > 0 THEN st[j][2 * k + p] END,
                    CASE WHEN p > 0 THEN st[j][p] END, CASE WHEN p > 0 THEN c ELSE 0 END, p < 0 FROM (
                    SELECT f.bucket + s.o * interval '5 seconds' AS b, s.j, s.c, f.st, f.k, f.p FROM (
                        -- The slice is a copy: a TOASTed row is fetched once, not once per subscript (OFFSET 0
                        -- keeps the subquery from being merged into the subscripts).
                        SELECT bucket, slots, n, stats[:][:] AS st, array_length(stats, 2) / 3 AS k,
                            coalesce(($7::int4[])[layout], \(LayoutCatalog.unknownLayout)) AS p
                        FROM ticks_5s
                        WHERE machine_id = $2 AND bucket >= date_bin(interval '1 minute', $8, timestamptz 'epoch')
                          AND bucket < (SELECT at FROM e)
                        OFFSET 0
                    ) f CROSS JOIN LATERAL unnest(f.slots, f.n) WITH ORDINALITY AS s(o, c, j)
                    WHERE f.p <> 0
                ) five WHERE b >= $8 AND b < (SELECT at FROM e)
                UNION ALL
                SELECT ts, value, value, value, (value IS NOT NULL)::int, p < 0
                FROM (\(PostgresMetricStore.rawPointsSQL(from: "$5", to: "least($8, $6)", legacy: false))) head
                UNION ALL
                SELECT ts, value, value, value, (value IS NOT NULL)::int, p < 0
                FROM (\(PostgresMetricStore.rawPointsSQL(from: "(SELECT at FROM e)", legacy: false))) tail
            ) tiers (b, lo, hi, s, c, u)
            GROUP BY bb ORDER BY bb
            """)

    /// The step in milliseconds ($1).
    var stepMs: Int64
    var machine: String
    /// The range read: from the step bucket that holds the query's `from`, to its `to` ($5, $6).
    var from: Date
    var to: Date
    /// The series' position in each layout, by layout id ($7).
    var positions: [Int32]
    /// Where whole summaries begin and end ($8, $9).
    var summariesFrom: Date
    var summariesTo: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(stepMs)
        bindings.append(machine)
        bindings.append("")
        bindings.append("")
        bindings.append(from)
        bindings.append(to)
        bindings.append(positions)
        bindings.append(summariesFrom)
        bindings.append(summariesTo)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
