import FleetProto
import Foundation
import GRDB
import Testing

@testable import FleetSQLite
@testable import FleetStore

/// The SQLite store's tick layout: rollups exact under late data and redelivery, history the same whether or
/// not the rollup pass has run, the upgrade from the row-per-sample schema, and bytes on disk per sample.
@Suite struct SQLiteTickStoreTests {
    typealias B = Batches

    /// A fresh, migrated store in a temporary folder, removed afterwards.
    static func withStore(
        now: @escaping @Sendable () -> Date = { B.date(B.noon + 30 * B.day) }, migrate: Bool = true,
        _ body: (SQLiteMetricStore) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fw-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteMetricStore(path: directory.appendingPathComponent("test.sqlite").path, now: now)
        if migrate { try await store.migrate() }
        try await body(store)
    }

    /// Samples per 1-minute bucket as the rollup table counts them, and as the raw ticks hold them.
    static func minuteCounts(_ store: SQLiteMetricStore) async throws -> (rollup: [Int64: Int], raw: [Int64: Int]) {
        try await store.pool.read { db in
            var rollup: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT bucket, sum(count) AS n FROM samples_1m GROUP BY bucket") {
                rollup[row["bucket"]] = row["n"]
            }
            var raw: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT ts, vals FROM ticks") {
                let data: Data = row["vals"]
                raw[RollupPolicy.floor(row["ts"], to: RollupPolicy.minuteMilliseconds), default: 0] += data.count / 8
            }
            return (rollup, raw)
        }
    }

    static func count(_ store: SQLiteMetricStore, _ sql: String) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    @Test func rollupsCountEveryRawSampleOfClosedBucketsAfterLateSamplesAndRedelivery() async throws {
        try await Self.withStore { store in
            // Two machines, 20 s apart for 5 minutes, two layouts (cpu + mem, cpu only on the odd ticks).
            var batches: [Fleetwatch_V1_MetricBatch] = []
            for (index, machine) in ["web-1", "web-2"].enumerated() {
                for tick in 0..<15 {
                    let at = B.noon + Int64(tick) * 20_000
                    var samples: [(String, [String: String], Double, Int64)] = [
                        ("cpu.usage_percent", ["cpu": "total"], Double(tick), at)
                    ]
                    if tick % 2 == 0 { samples.append(("mem.used_percent", [:], Double(tick) * 0.1, at)) }
                    batches.append(B.make(machine: machine, sequence: UInt64(tick + 1), at: at + Int64(index), samples: samples))
                }
            }
            let stored = try await store.persist(batches)
            #expect(stored.samplesInserted == 2 * (15 + 8))

            // Minutes 0-3 are closed at noon + 4 min + grace; minute 4 is not.
            let report = try await store.rollUp(now: B.date(B.noon + 4 * B.minute + 10_000))
            #expect(report.minutes == 4 && report.hours == 0)
            #expect(report.minuteWatermark == B.noon + 4 * B.minute)
            var counts = try await Self.minuteCounts(store)
            #expect(counts.rollup.count == 4)
            for (bucket, count) in counts.rollup { #expect(counts.raw[bucket] == count) }

            // A late sample in closed minute 1, and everything again.
            _ = try await store.persist([
                B.make(
                    machine: "web-1", sequence: 100,
                    samples: [("cpu.usage_percent", ["cpu": "total"], 99, B.noon + B.minute + 5_000)])
            ])
            #expect(try await store.persist(batches).samplesInserted == 0)
            let later = try await store.rollUp(now: B.date(B.noon + 2 * 3_600_000))
            #expect(later.minutes == 2 && later.hours == 1)
            counts = try await Self.minuteCounts(store)
            #expect(counts.rollup == counts.raw)
            #expect(counts.rollup[B.noon + B.minute] == 2 * 4 + 1)
            #expect(try await Self.count(store, "SELECT sum(count) FROM samples_1h") == 2 * (15 + 8) + 1)
            #expect(try await Self.count(store, "SELECT count(*) FROM rollup_dirty") == 0)

            // Nothing new: the next pass recomputes nothing.
            #expect(
                try await store.rollUp(now: B.date(B.noon + 3 * 3_600_000))
                    == RollupReport(minuteWatermark: B.noon + 3 * 3_600_000 - B.minute))
        }
    }

    @Test func aSampleOlderThanRawRetentionLeavesItsMinutesRollupAsItIs() async throws {
        let now = B.date(B.noon)
        try await Self.withStore(now: { now }) { store in
            let old = B.noon - 40 * B.day
            _ = try await store.persist([
                B.make(sequence: 1, samples: [("proc.count", [:], 1, old), ("proc.count", [:], 2, old + 1_000)])
            ])
            let report = try await store.applyRetention(now: now)
            #expect(report.droppedPartitions.count == 10)
            #expect(try await Self.count(store, "SELECT count(*) FROM ticks") == 0)

            // Its minute's other raw samples are gone: recomputing it from raw would leave 1 of 3.
            _ = try await store.persist([B.make(sequence: 2, samples: [("proc.count", [:], 3, old + 2_000)])])
            let late = try await store.rollUp(now: now)
            #expect(late.minutes == 0 && late.hours == 0)
            #expect(try await Self.count(store, "SELECT count FROM samples_1m") == 2)
            let history = try await store.history(
                machine: "web-1", metric: "proc.count", labels: [:], from: B.date(old - B.minute), to: B.date(old + B.minute),
                step: .seconds(60))
            #expect(history.resolution == .minute && history.points.map(\.count) == [2])
        }
    }

    /// Queries over every resolution, with ranges that start and end inside buckets.
    static func answers(_ store: SQLiteMetricStore) async throws -> [MetricHistory] {
        var answers: [MetricHistory] = []
        let series: [(String, [String: String])] = [("cpu.usage_percent", ["cpu": "total"]), ("mem.used_percent", [:])]
        let ranges: [(Int64, Int64, Duration?)] = [
            (B.noon, B.noon + 3 * 3_600_000, .seconds(3600)),  // hour resolution
            (B.noon + 25_000, B.noon + 3 * 3_600_000 - 7_000, .seconds(7200)),
            (B.noon + 25_000, B.noon + 90 * B.minute + 30_000, .seconds(120)),  // minute resolution
            (B.noon - B.minute, B.noon + 10 * B.minute + 1, .seconds(60)),
            (B.noon + 5_000, B.noon + 12 * B.minute, .seconds(30)),  // raw, bucketed
            (B.noon + 5_000, B.noon + 5 * B.minute, nil),  // raw points
            (B.noon, B.noon + 3 * 3_600_000, .seconds(300)),
        ]
        for (metric, labels) in series {
            for (from, to, step) in ranges {
                answers.append(
                    try await store.history(
                        machine: "web-1", metric: metric, labels: labels, from: B.date(from), to: B.date(to), step: step))
            }
        }
        return answers
    }

    @Test func historyIsTheSameBeforeAndAfterRollUpAndAfterLateSamples() async throws {
        let now = B.date(B.noon + 4 * 3_600_000)
        try await Self.withStore(now: { now }) { store in
            try await Self.withStore(now: { now }) { reference in
                // 3 hours every 10 s; values with no short binary form, so any change of summation order shows.
                var batches: [Fleetwatch_V1_MetricBatch] = []
                for tick in 0..<(3 * 360) {
                    let at = B.noon + Int64(tick) * 10_000
                    var samples: [(String, [String: String], Double, Int64)] = [
                        ("cpu.usage_percent", ["cpu": "total"], Double(tick % 97) * 0.1 + 0.01, at)
                    ]
                    if tick % 3 != 0 { samples.append(("mem.used_percent", [:], Double(tick % 13) / 3, at)) }
                    batches.append(B.make(sequence: UInt64(tick + 1), at: at, samples: samples))
                }
                for store in [store, reference] { _ = try await store.persist(batches) }
                let before = try await Self.answers(store)
                #expect(before == (try await Self.answers(reference)))
                #expect(before[0].resolution == .hour && before[0].points.map(\.count) == [360, 360, 360])
                #expect(before[2].resolution == .minute && before[4].resolution == .raw && before[5].step == nil)

                // Part of the range rolled up (to 1 h 30 min), then all of it.
                _ = try await store.rollUp(now: B.date(B.noon + 90 * B.minute + 10_000))
                #expect(try await Self.answers(store) == before)
                _ = try await store.rollUp(now: now)
                #expect(try await Self.answers(store) == before)

                // A late sample in a rolled-up minute answers at once, before the next pass, and after it.
                let late = [
                    B.make(
                        sequence: 5_000, samples: [("cpu.usage_percent", ["cpu": "total"], 123.456, B.noon + 61 * B.minute + 1)])
                ]
                for store in [store, reference] { _ = try await store.persist(late) }
                let withLate = try await Self.answers(reference)
                #expect(withLate != before)
                #expect(try await Self.answers(store) == withLate)
                _ = try await store.rollUp(now: now)
                #expect(try await Self.answers(store) == withLate)
            }
        }
    }

    @Test func latestIsTheNewestValueOfEverySeriesAcrossLayouts() async throws {
        try await Self.withStore { store in
            _ = try await store.persist([
                B.make(
                    sequence: 1,
                    samples: [("cpu.usage_percent", ["cpu": "total"], 1, B.noon), ("mem.used_percent", [:], 2, B.noon)]),
                B.make(sequence: 2, samples: [("cpu.usage_percent", ["cpu": "total"], 3, B.noon + 1_000)]),
                // Older than an hour before the newest tick: not current.
                B.make(sequence: 3, samples: [("proc.count", [:], 4, B.noon - 2 * 3_600_000)]),
            ])
            #expect(
                try await store.latest(machine: "web-1") == [
                    LatestSample(metric: "cpu.usage_percent", labels: ["cpu": "total"], time: B.date(B.noon + 1_000), value: 3),
                    LatestSample(metric: "mem.used_percent", labels: [:], time: B.date(B.noon), value: 2),
                ])
            #expect(try await store.latest(machine: "nobody").isEmpty)
        }
    }

    /// Writes `samples` as the v1 store did: one row each, rollups and latest upserted alongside.
    static func writeOldRows(_ samples: [(String, String, Double, Int64)], machine: String, in db: Database) throws {
        for (metric, labels, value, ts) in samples {
            try db.execute(
                sql: "INSERT INTO samples (machine_id, metric, labels, ts, value) VALUES (?, ?, ?, ?, ?)",
                arguments: [machine, metric, labels, ts, value])
            try writeOldRollups([(metric, labels, value, ts)], machine: machine, in: db)
            try db.execute(
                sql: """
                    INSERT INTO latest (machine_id, metric, labels, ts, value) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (machine_id, metric, labels) DO UPDATE SET ts = excluded.ts, value = excluded.value
                    WHERE excluded.ts >= latest.ts
                    """, arguments: [machine, metric, labels, ts, value])
        }
    }

    /// Rollup rows only: samples whose raw rows retention already deleted.
    static func writeOldRollups(_ samples: [(String, String, Double, Int64)], machine: String, in db: Database) throws {
        for (metric, labels, value, ts) in samples {
            for (table, width) in [
                ("samples_1m", RollupPolicy.minuteMilliseconds), ("samples_1h", RollupPolicy.hourMilliseconds),
            ] {
                try db.execute(
                    sql: """
                        INSERT INTO \(table) (machine_id, metric, labels, bucket, min, max, sum, count) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
                        ON CONFLICT (machine_id, metric, labels, bucket) DO UPDATE SET
                            min = min(min, excluded.min), max = max(max, excluded.max), sum = sum + excluded.sum, count = count + 1
                        """, arguments: [machine, metric, labels, RollupPolicy.floor(ts, to: width), value, value, value])
            }
        }
    }

    @Test func upgradeFromTheRowPerSampleSchemaKeepsHistoryLatestAndRollups() async throws {
        let now = B.date(B.noon + 2 * 3_600_000)
        try await Self.withStore(now: { now }, migrate: false) { store in
            try SQLiteMigrations.migrator.migrate(store.pool, upTo: "v2 alert rules and alert history")
            // Two days ago: rollups only. Today: every 15 s for 70 min, two series, one with awkward labels.
            let disk = "mount=/mnt/a\\,b"
            let recent = (0..<280).flatMap { tick -> [(String, String, Double, Int64)] in
                let at = B.noon + Int64(tick) * 15_000
                return [
                    ("cpu.usage_percent", "cpu=total", Double(tick), at), ("disk.used_percent", disk, 50 + Double(tick % 7), at),
                ]
            }
            try await store.pool.write { db in
                try Self.writeOldRollups([("cpu.usage_percent", "cpu=total", 7, B.noon - 2 * B.day)], machine: "web-1", in: db)
                try Self.writeOldRows(recent, machine: "web-1", in: db)
                try Self.writeOldRows([("mem.used_percent", "", 1, B.noon)], machine: "web-2", in: db)
            }
            let oldMinuteRows = try await Self.count(store, "SELECT count(*) FROM samples_1m")

            try await store.migrate()
            try await store.migrate()
            let tables = try await store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            #expect(!tables.contains("samples") && !tables.contains("latest"))
            // One tick per machine instant.
            #expect(try await Self.count(store, "SELECT count(*) FROM ticks") == 280 + 1)
            #expect(try await Self.count(store, "SELECT count(*) FROM layouts") == 2)
            // The minute watermark starts at the newest sample's minute, which is marked with its hour.
            let newest = B.noon + 279 * 15_000
            #expect(
                try await Self.count(store, "SELECT watermark FROM rollup_state WHERE tier = 'm'")
                    == Int(RollupPolicy.floor(newest, to: B.minute)))
            #expect(try await Self.count(store, "SELECT count(*) FROM rollup_dirty") == 2)

            let cpu = ["cpu": "total"]
            let raw = try await store.history(
                machine: "web-1", metric: "cpu.usage_percent", labels: cpu, from: B.date(B.noon),
                to: B.date(B.noon + 5 * B.minute), step: nil)
            #expect(raw.points.map(\.sum) == (0..<20).map(Double.init))
            let diskRaw = try await store.history(
                machine: "web-1", metric: "disk.used_percent", labels: ["mount": "/mnt/a,b"], from: B.date(B.noon),
                to: B.date(B.noon + B.minute), step: nil)
            #expect(diskRaw.points.map(\.sum) == [50, 51, 52, 53])
            let days = try await store.history(
                machine: "web-1", metric: "cpu.usage_percent", labels: cpu, from: B.date(B.noon - 3 * B.day), to: now,
                step: .seconds(3600))
            #expect(days.points.map(\.count) == [1, 240, 40])
            #expect(days.points.first?.sum == 7)
            let total = days.points.map(\.sum).reduce(0, +)
            #expect(total == Double(7 + 279 * 280 / 2))
            let minutes = try await store.history(
                machine: "web-1", metric: "cpu.usage_percent", labels: cpu, from: B.date(B.noon), to: now, step: .seconds(60))
            #expect(minutes.points.count == 70 && minutes.points.allSatisfy { $0.count == 4 })

            #expect(
                try await store.latest(machine: "web-1") == [
                    LatestSample(metric: "cpu.usage_percent", labels: cpu, time: B.date(newest), value: 279),
                    LatestSample(metric: "disk.used_percent", labels: ["mount": "/mnt/a,b"], time: B.date(newest), value: 56),
                ])
            #expect(try await store.latest(machine: "web-2").map(\.value) == [1])

            // The first pass recomputes the marked minute and hour from the carried-forward ticks; nothing changes.
            let report = try await store.rollUp(now: B.date(B.noon + 3 * 3_600_000))
            #expect(report.minutes == 1 && report.hours == 1)
            #expect(try await Self.count(store, "SELECT count(*) FROM samples_1m") == oldMinuteRows)
            #expect(
                try await store.history(
                    machine: "web-1", metric: "cpu.usage_percent", labels: cpu, from: B.date(B.noon - 3 * B.day), to: now,
                    step: .seconds(3600)) == days)
            let counts = try await Self.minuteCounts(store)
            for (bucket, count) in counts.raw { #expect(counts.rollup[bucket] == count) }
        }
    }

    /// The 27 series of a simulated 4-core host (FleetLoadgen's SimulatedMachine after normalization).
    static let hostSeries: [(String, [String: String])] =
        ["total", "0", "1", "2", "3"].map { ("cpu.usage_percent", ["cpu": $0]) }
        + [
            "cpu.iowait_percent", "load.1m", "load.5m", "load.15m", "mem.used_percent", "mem.used_bytes", "mem.available_bytes",
            "swap.used_percent", "proc.count", "host.uptime_seconds",
        ].map { ($0, [:]) }
        + ["/", "/var"].flatMap { mount in ["disk.used_percent", "disk.used_bytes"].map { ($0, ["mount": mount]) } }
        + ["vda", "vdb"].flatMap { device in
            ["disk.read_bytes_per_s", "disk.write_bytes_per_s"].map { ($0, ["device": device]) }
        }
        + ["eth0", "eth1"].flatMap { iface in ["net.recv_bytes_per_s", "net.sent_bytes_per_s"].map { ($0, ["iface": iface]) } }

    /// Issue 11: bytes on disk per stored sample, raw ticks plus rollups, must be at most 1/8 of the 140 the
    /// row-per-sample layout took. 100 machines × 600 ticks (10 minutes at 1 s) × 27 series, then a rollup pass;
    /// FLEETWATCH_SQLITE_BENCH_MACHINES and FLEETWATCH_SQLITE_BENCH_TICKS change the size. Prints the figures,
    /// with persist throughput (of a debug build unless built with -c release).
    @Test func bytesOnDiskPerSampleAreAnEighthOfTheRowPerSampleLayout() async throws {
        let environment = ProcessInfo.processInfo.environment
        try await Self.withStore { store in
            let machines = environment["FLEETWATCH_SQLITE_BENCH_MACHINES"].flatMap { Int($0) } ?? 100
            let ticks = environment["FLEETWATCH_SQLITE_BENCH_TICKS"].flatMap { Int($0) } ?? 600
            #expect(Self.hostSeries.count == 27)
            var state: UInt64 = 42
            func next() -> Double {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Double(state >> 11) / Double(1 << 53)
            }
            var stored = 0
            var writing = Duration.zero
            var preparing = Duration.zero
            let clock = ContinuousClock()
            for tick in 0..<ticks {
                // Preparing is CPU on a cooperative thread: give the other tests their turn between ticks.
                await Task.yield()
                let at = B.noon + Int64(tick) * 1_000
                let batches = (0..<machines).map { machine in
                    B.make(
                        machine: "sim-\(machine)", sequence: UInt64(tick + 1), at: at,
                        samples: Self.hostSeries.map { ($0.0, $0.1, (next() * 1e6).rounded() / 100, at) })
                }
                var start = clock.now
                _ = try SQLitePersistPlan(batches, layouts: store.layouts)
                preparing += clock.now - start
                start = clock.now
                stored += try await store.persist(batches).samplesInserted
                writing += clock.now - start
            }
            #expect(stored == machines * ticks * 27)
            let start = clock.now
            let report = try await store.rollUp(now: B.date(B.noon + Int64(ticks) * 1_000 + 2 * 3_600_000))
            let rolling = clock.now - start
            #expect(report.minutes == (ticks + 59) / 60 && report.hours >= 1)

            let bytes = try await store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? 0
            }
            let perSample = Double(bytes) / Double(stored)
            func perSecond(_ duration: Duration) -> Int {
                Int(Double(stored) / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18))
            }
            print(
                "SQLite ticks: \(stored) samples, \(bytes) bytes, \(String(format: "%.2f", perSample)) bytes/sample; "
                    + "persist \(perSecond(writing)) samples/s (\(machines) batches per call, of which preparing alone "
                    + "\(perSecond(preparing)) samples/s); rollUp of \(report.minutes) minutes and \(report.hours) hours \(rolling)"
            )
            // dbstat is optional in SQLite builds: the breakdown is printed where it exists.
            let tables = try await store.pool.read { db in
                try? Row.fetchAll(db, sql: "SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY 2 DESC")
                    .map { "\($0["name"] as String) \($0["bytes"] as Int)" }
            }
            if let tables { print("SQLite ticks by table: " + tables.joined(separator: ", ")) }
            #expect(perSample <= 140.0 / 8)
        }
    }
}
