import FleetStore
import GRDB

/// A series of a machine as the rollup tables key it.
struct SQLiteSeriesKey: Hashable, Sendable {
    var metric: String
    /// Canonical `LabelSet.key` text.
    var labels: String
}

/// One row of `samples_1m` or `samples_1h`, without its bucket.
struct SQLiteRollupRow: Sendable {
    var machineID: String
    var metric: String
    var labels: String
    var aggregate: SQLiteAggregate
}

/// Folds the ticks of one minute into one aggregate per series, in time order (the order `history` folds
/// raw ticks in, see `SQLiteAggregate`).
///
/// A minute of a large hub holds millions of values: each tick row costs one lookup of its (machine, layout),
/// then its values go by position into that machine's aggregates, without a lookup per value. A machine has
/// aggregates only for the series it reported, so a fleet of machines with different series stays small.
struct SQLiteMinuteFold {
    private struct MachineLayout: Hashable {
        var machine: String
        var layout: Int64
    }

    private struct Machine {
        var id: String
        /// Series of this machine by their index in `series`, and the aggregate slot each has.
        var slots: [Int: Int] = [:]
        var series: [Int] = []
        var aggregates: [SQLiteAggregate?] = []
    }

    private var seriesIDs: [SQLiteSeriesKey: Int] = [:]
    private var series: [SQLiteSeriesKey] = []
    /// Per layout id, the index in `series` at each position.
    private var layouts: [Int64: [Int]] = [:]
    private var machineIndex: [String: Int] = [:]
    private var machines: [Machine] = []
    /// Per (machine, layout): the machine's index and the slot of each layout position.
    private var routes: [MachineLayout: (machine: Int, slots: [Int])] = [:]

    /// Reads the ticks of [`start`, `end`) and folds them.
    static func read(from start: Int64, to end: Int64, layouts: SQLiteLayoutCatalog, in db: Database) throws -> [SQLiteRollupRow]
    {
        var fold = SQLiteMinuteFold()
        let rows = try Row.fetchCursor(
            db, sql: "SELECT machine_id, layout, vals FROM ticks WHERE ts >= ? AND ts < ? ORDER BY ts, machine_id, layout",
            arguments: [start, end])
        while let row = try rows.next() {
            let key = MachineLayout(machine: row[0], layout: row[1])
            if fold.routes[key] == nil {
                if fold.layouts[key.layout] == nil {
                    guard let layout = try layouts.layout(id: key.layout, in: db) else {
                        throw StoreError.database(
                            operation: "rollUp", sqlState: nil, detail: "tick of unknown layout \(key.layout)")
                    }
                    fold.learn(key.layout, layout)
                }
                fold.route(key)
            }
            let (machine, slots) = fold.routes[key]!
            try row.withUnsafeData(atIndex: 2) { data in
                data?.withUnsafeBytes { values in
                    for position in 0..<min(slots.count, SQLiteTickCodec.count(values)) {
                        fold.machines[machine].aggregates[slots[position]].add(SQLiteTickCodec.value(at: position, in: values))
                    }
                }
            }
        }
        return fold.rows()
    }

    private mutating func learn(_ id: Int64, _ layout: SeriesLayout) {
        layouts[id] = zip(layout.metrics, layout.labels).map { metric, labels in
            let key = SQLiteSeriesKey(metric: metric, labels: labels)
            if let known = seriesIDs[key] { return known }
            seriesIDs[key] = series.count
            series.append(key)
            return series.count - 1
        }
    }

    private mutating func route(_ key: MachineLayout) {
        let index: Int
        if let known = machineIndex[key.machine] {
            index = known
        } else {
            index = machines.count
            machineIndex[key.machine] = index
            machines.append(Machine(id: key.machine))
        }
        let slots = layouts[key.layout]!.map { seriesID in
            if let slot = machines[index].slots[seriesID] { return slot }
            let slot = machines[index].aggregates.count
            machines[index].slots[seriesID] = slot
            machines[index].series.append(seriesID)
            machines[index].aggregates.append(nil)
            return slot
        }
        routes[key] = (index, slots)
    }

    /// Sorted by key, the order of the rollup tables' primary keys.
    private func rows() -> [SQLiteRollupRow] {
        var rows: [SQLiteRollupRow] = []
        for machine in machines {
            for (slot, aggregate) in machine.aggregates.enumerated() {
                guard let aggregate else { continue }
                let key = series[machine.series[slot]]
                rows.append(SQLiteRollupRow(machineID: machine.id, metric: key.metric, labels: key.labels, aggregate: aggregate))
            }
        }
        return rows.sorted { ($0.machineID, $0.metric, $0.labels) < ($1.machineID, $1.metric, $1.labels) }
    }
}

/// Folds the 1-minute rows of one hour into one aggregate per series, minutes in time order.
enum SQLiteHourFold {
    static func read(from start: Int64, to end: Int64, in db: Database) throws -> [SQLiteRollupRow] {
        struct Key: Hashable {
            var machineID: String
            var metric: String
            var labels: String
        }
        var aggregates: [Key: SQLiteAggregate] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT machine_id, metric, labels, min, max, sum, count FROM samples_1m
                WHERE bucket >= ? AND bucket < ? ORDER BY bucket, machine_id, metric, labels
                """, arguments: [start, end])
        while let row = try rows.next() {
            let minute = SQLiteAggregate(min: row[3], max: row[4], sum: row[5], count: row[6])
            aggregates[Key(machineID: row[0], metric: row[1], labels: row[2])].merge(minute)
        }
        return aggregates.map {
            SQLiteRollupRow(machineID: $0.key.machineID, metric: $0.key.metric, labels: $0.key.labels, aggregate: $0.value)
        }
        .sorted { ($0.machineID, $0.metric, $0.labels) < ($1.machineID, $1.metric, $1.labels) }
    }
}
