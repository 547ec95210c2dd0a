import FleetStore
import Foundation
import PostgresNIO

/// The history query of a chart whose step is a multiple of five seconds (the dashboard's 1-hour chart: 720 buckets
/// of 5 s), as a prepared statement: PostgreSQL parses it once per connection instead of on every answer. It returns
/// what the points are made of, and `SummaryAnswer` makes them.
///
/// The five-second summaries (a row per minute, a slot per 5 s) answer whole 5 s buckets from $8 (the first that
/// starts at or after `from`, and not before the summaries do) up to $9 (the end of the last that ends by `to`), the
/// minute watermark or the first minute marked for the pass again (a late tick re-opened it; one that holds $8 keeps
/// the summaries out altogether), whichever is first; raw ticks answer the rest of the range on either side. So the
/// points are those raw ticks give (sums up to floating-point rounding), also right after late data. ($1, the step,
/// is bound but applied by `SummaryAnswer`; $3 and $4, the legacy table's metric and labels, are bound but not read:
/// the statement is not used for a range that reaches the legacy table.)
struct SummaryHistoryStatement: PostgresPreparedStatement {
    /// Where the summaries end (ms: their slots answer from $8 to there); per minute row of the series' layouts, its
    /// start (ms) and its number of slots; all rows' slots, their counts, and the series' sums, minimums and maximums
    /// in them, one array each, row after row (`int8[]` and `float8[]`, read by `BinaryArray`); the raw ticks' times
    /// (µs) and values; whether a summary or tick of a layout not known yet was met. The arrays are NULL when empty.
    typealias Row = (
        Int64, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, Bool
    )

    // `p`: the series' position in the row's layout (0: not in it, -1: a layout not known, which brings only the
    // flag). One slice takes the series out of the k × 3 × slots stats (an array stored out of line, a layout too
    // wide for a row to fit a page, is fetched once per row), flattened so rows of different slots concatenate.
    static let sql = """
        WITH e AS (
            SELECT greatest($8, least(
                $9, (SELECT watermark FROM rollup_state WHERE tier = 'm'),
                (SELECT min(bucket) FROM rollup_dirty
                 WHERE tier = 'm' AND bucket >= date_bin(interval '1 minute', $8, timestamptz 'epoch')))) AS at
        ), f AS (
            SELECT bucket, slots, n, stats, coalesce(($7::int4[])[layout], \(LayoutCatalog.unknownLayout)) AS p
            FROM ticks_5s
            WHERE machine_id = $2 AND bucket >= date_bin(interval '1 minute', $8, timestamptz 'epoch')
              AND bucket < (SELECT at FROM e)
        ), summaries AS (
            SELECT array_agg(\(PostgresMetricStore.milliseconds(of: "bucket"))) FILTER (WHERE p > 0) AS minutes,
                array_agg(cardinality(slots)::int8) FILTER (WHERE p > 0) AS widths,
                fleetwatch_concat(slots::int8[]) FILTER (WHERE p > 0) AS slots,
                fleetwatch_concat(n::int8[]) FILTER (WHERE p > 0) AS counts,
                fleetwatch_concat(ARRAY(SELECT unnest(stats[p:p][:][:]))) FILTER (WHERE p > 0) AS stats,
                coalesce(bool_or(p < 0), false) AS unknown
            FROM f WHERE p <> 0
        ), raw AS (
            SELECT array_agg((extract(epoch FROM ts) * 1000000)::int8) FILTER (WHERE p > 0 AND value IS NOT NULL) AS times,
                array_agg(value) FILTER (WHERE p > 0 AND value IS NOT NULL) AS vals,
                coalesce(bool_or(p < 0), false) AS unknown
            FROM (
                \(PostgresMetricStore.rawPointsSQL(from: "$5", to: "least($8, $6)", legacy: false))
                UNION ALL
                \(PostgresMetricStore.rawPointsSQL(from: "(SELECT at FROM e)", legacy: false))
            ) ticks
        )
        SELECT \(PostgresMetricStore.milliseconds(of: "(SELECT at FROM e)")), summaries.minutes, summaries.widths,
            summaries.slots, summaries.counts, summaries.stats, raw.times, raw.vals, summaries.unknown OR raw.unknown
        FROM summaries, raw
        """

    /// The step in milliseconds ($1; `points(_:)` buckets by it).
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

    /// The answer's points from its row.
    func points(_ row: Row) throws -> (points: [HistoryPoint], metUnknownLayout: Bool) {
        let (at, minutes, widths, slots, counts, stats, times, values, unknown) = row
        func int64s(_ bytes: ByteBuffer?) throws -> [Int64] { try bytes.map(BinaryArray.int64s) ?? [] }
        func doubles(_ bytes: ByteBuffer?) throws -> [Double] { try bytes.map(BinaryArray.doubles) ?? [] }
        let answer = SummaryAnswer(
            stepMs: stepMs, minutes: try int64s(minutes), widths: try int64s(widths), slots: try int64s(slots),
            counts: try int64s(counts), stats: try doubles(stats), slotsFrom: summariesFrom.millisecondsSince1970,
            slotsTo: at, rawTimes: try int64s(times), rawValues: try doubles(values))
        return (try answer.points(), unknown)
    }
}
