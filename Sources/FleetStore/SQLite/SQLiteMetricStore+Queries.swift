import FleetCore
import FleetProto
import Foundation
import GRDB

extension SQLiteMetricStore {
    public func latest(machine: String) async throws -> [LatestSample] {
        try await wrap("latest") {
            try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT metric, labels, ts, value FROM latest
                        WHERE machine_id = ? AND ts >= (SELECT last_seen FROM machines WHERE machine_id = ?) - 3600000
                        ORDER BY metric, labels
                        """, arguments: [machine, machine]
                ).map { row in
                    LatestSample(
                        metric: row["metric"], labels: LabelSet.parse(row["labels"]), time: Self.date(row["ts"]),
                        value: row["value"])
                }
            }
        }
    }

    public func history(
        machine: String, metric: String, labels: [String: String], from: Date, to: Date, step: Duration?
    ) async throws -> MetricHistory {
        let plan = resolutionPolicy.plan(from: from, to: to, step: step, now: now())
        let series = LabelSet.key(labels)
        let fromMs = Self.milliseconds(from)
        let toMs = Self.milliseconds(to)
        let sql: String
        var arguments: StatementArguments = [machine, metric, series]
        switch (plan.resolution, plan.step) {
        case (.raw, nil):
            sql = """
                SELECT ts AS b, value AS lo, value AS hi, value AS total, 1 AS n FROM samples
                WHERE machine_id = ? AND metric = ? AND labels = ? AND ts >= ? AND ts < ? ORDER BY ts
                """
            arguments += [fromMs, toMs]
        case (.raw, let step?):
            let stepMs = Self.milliseconds(step)
            sql = """
                SELECT (ts / ?) * ? AS b, min(value) AS lo, max(value) AS hi, sum(value) AS total, count(*) AS n
                FROM samples WHERE machine_id = ? AND metric = ? AND labels = ? AND ts >= ? AND ts < ?
                GROUP BY b ORDER BY b
                """
            arguments = [stepMs, stepMs] + arguments + [fromMs, toMs]
        case (let rollup, let step):
            let stepMs = Self.milliseconds(step ?? rollup.bucket!)
            let table = rollup == .hour ? "samples_1h" : "samples_1m"
            sql = """
                SELECT (bucket / ?) * ? AS b, min(min) AS lo, max(max) AS hi, sum(sum) AS total, sum(count) AS n
                FROM \(table) WHERE machine_id = ? AND metric = ? AND labels = ? AND bucket >= ? AND bucket < ?
                GROUP BY b ORDER BY b
                """
            arguments = [stepMs, stepMs] + arguments + [(fromMs / stepMs) * stepMs, toMs]
        }
        return try await wrap("history") {
            let points = try await pool.read { [arguments] db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    HistoryPoint(time: Self.date(row["b"]), min: row["lo"], max: row["hi"], sum: row["total"], count: row["n"])
                }
            }
            return MetricHistory(resolution: plan.resolution, step: plan.step, points: points)
        }
    }

    public func machines() async throws -> [MachineRecord] {
        try await wrap("machines") {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM machines ORDER BY machine_id").map { row in
                    let labels: String = row["labels"]
                    return MachineRecord(
                        machineID: row["machine_id"], hostname: row["hostname"], os: row["os"], kernel: row["kernel"],
                        cores: row["cores"], agentVersion: row["agent_version"],
                        labels: (try? JSONDecoder().decode([String: String].self, from: Data(labels.utf8))) ?? [:],
                        firstSeen: Self.date(row["first_seen"]), lastSeen: Self.date(row["last_seen"]),
                        lastSequence: UInt64(clamping: row["last_sequence"] as Int64))
                }
            }
        }
    }

    public func latestProcesses(machine: String) async throws -> Fleetwatch_V1_ProcessSnapshot? {
        try await wrap("latestProcesses") {
            let payload = try await pool.read { db in
                try Data.fetchOne(db, sql: "SELECT payload FROM process_snapshots WHERE machine_id = ?", arguments: [machine])
            }
            return try payload.map { try Fleetwatch_V1_ProcessSnapshot(serializedBytes: $0) }
        }
    }

    public func sequenceAccounting(machine: String) async throws -> SequenceAccounting {
        try await wrap("sequenceAccounting") {
            try await pool.read { db in
                let row = try Row.fetchOne(
                    db, sql: "SELECT count(*) AS n, min(sequence) AS lo, max(sequence) AS hi FROM batches_seen WHERE machine_id = ?",
                    arguments: [machine])
                let lowest: Int64? = row?["lo"]
                let highest: Int64? = row?["hi"]
                return SequenceAccounting(
                    count: row?["n"] ?? 0, lowest: lowest.map { UInt64(clamping: $0) },
                    highest: highest.map { UInt64(clamping: $0) })
            }
        }
    }

    public func applyRetention(now: Date) async throws -> RetentionReport {
        let nowMs = Self.milliseconds(now)
        let day: Int64 = 86_400_000
        // Raw samples go by whole UTC days, like PostgreSQL's daily partitions.
        let rawCutoff = ((nowMs - Self.milliseconds(retention.raw)) / day) * day
        let minuteCutoff = nowMs - Self.milliseconds(retention.minuteRollup)
        let hourCutoff = nowMs - Self.milliseconds(retention.hourRollup)
        return try await wrap("retention") {
            try await pool.write { db in
                let oldest = try Int64.fetchOne(db, sql: "SELECT min(ts) FROM samples")
                var days: [String] = []
                if let oldest, oldest < rawCutoff {
                    var start = (oldest / day) * day
                    while start < rawCutoff {
                        days.append(Self.dayName(start))
                        start += day
                    }
                }
                try db.execute(sql: "DELETE FROM samples WHERE ts < ?", arguments: [rawCutoff])
                try db.execute(sql: "DELETE FROM samples_1m WHERE bucket < ?", arguments: [minuteCutoff])
                let minutes = db.changesCount
                try db.execute(sql: "DELETE FROM samples_1h WHERE bucket < ?", arguments: [hourCutoff])
                let hours = db.changesCount
                try db.execute(sql: "DELETE FROM batches_seen WHERE seen_at < ?", arguments: [rawCutoff])
                let batches = db.changesCount
                try db.execute(sql: "DELETE FROM latest WHERE ts < ?", arguments: [rawCutoff])
                return RetentionReport(
                    droppedPartitions: days, deletedMinuteRollups: minutes, deletedHourRollups: hours,
                    deletedBatchRecords: batches)
            }
        }
    }

    static func dayName(_ ms: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date(ms))
    }
}
