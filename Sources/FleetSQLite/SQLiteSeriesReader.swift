import GRDB

/// Reads one series of one machine from each tier, inside one read transaction (one snapshot).
struct SQLiteSeriesReader {
    var machine: String
    var metric: String
    /// Canonical `LabelSet.key` text.
    var labels: String
    var layouts: SQLiteLayoutCatalog
    var db: Database

    /// The series' raw values in [`start`, `end`), in time order (ticks of one instant in layout id order).
    /// Ticks of layouts without the series are skipped; its position in each layout is looked up once.
    func raw(from start: Int64, to end: Int64, _ body: (Int64, Double) -> Void) throws {
        var positions: [Int64: Int?] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: "SELECT ts, layout, vals FROM ticks WHERE machine_id = ? AND ts >= ? AND ts < ? ORDER BY ts, layout"),
            arguments: [machine, start, end])
        while let row = try rows.next() {
            let layoutID: Int64 = row[1]
            let position: Int?
            if let known = positions[layoutID] {
                position = known
            } else {
                position = try layouts.layout(id: layoutID, in: db)?.index(metric: metric, labels: labels)
                positions[layoutID] = position
            }
            guard let position else { continue }
            let value = try row.withUnsafeData(atIndex: 2) { data in
                data?.withUnsafeBytes { bytes in
                    position < SQLiteTickCodec.count(bytes) ? SQLiteTickCodec.value(at: position, in: bytes) : nil
                }
            }
            if let value { body(row[0], value) }
        }
    }

    /// The series' rows of `table` (samples_1m or samples_1h) with buckets in [`start`, `end`), oldest first.
    func rollups(_ table: String, from start: Int64, to end: Int64, _ body: (Int64, SQLiteAggregate) -> Void) throws {
        guard start < end else { return }
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT bucket, min, max, sum, count FROM \(table)
                    WHERE machine_id = ? AND metric = ? AND labels = ? AND bucket >= ? AND bucket < ? ORDER BY bucket
                    """),
            arguments: [machine, metric, labels, start, end])
        while let row = try rows.next() {
            body(row[0], SQLiteAggregate(min: row[1], max: row[2], sum: row[3], count: row[4]))
        }
    }
}
