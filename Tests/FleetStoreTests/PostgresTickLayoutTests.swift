import FleetProto
import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import FleetPostgres
@testable import FleetStore

/// The PostgreSQL tick layout: one row per machine instant, rollups by a periodic pass over closed buckets,
/// and the upgrade from the row-per-sample schema (version 4) with its data.
@Suite struct PostgresTickLayoutTests {
    typealias B = Batches

    /// A minute of 1-second ticks of two series for `machine`, starting at `start`.
    func minute(machine: String = "web-1", sequence: UInt64, start: Int64, value: Double = 1) -> Fleetwatch_V1_MetricBatch {
        var samples: [(String, [String: String], Double, Int64)] = []
        for second in 0..<60 {
            let at: Int64 = start + Int64(second) * 1000
            samples.append(("cpu.usage_percent", ["cpu": "total"], value + Double(second), at))
            samples.append(("load.1m", [:], value, at))
        }
        return B.make(machine: machine, sequence: sequence, at: start, samples: samples)
    }

    func minuteHistory(_ store: PostgresMetricStore, from: Int64, to: Int64) async throws -> MetricHistory {
        try await store.history(
            machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"], from: B.date(from), to: B.date(to),
            step: .seconds(60))
    }

    @Test func aMachineTickIsOneRowAndMachinesShareLayouts() async throws {
        try await TestDatabase.withFreshStore { store, _ in
            let result = try await store.persist([
                minute(machine: "a", sequence: 1, start: B.noon), minute(machine: "b", sequence: 1, start: B.noon),
            ])
            #expect(result.samplesInserted == 240)
            #expect(try await store.scalar("SELECT count(*) FROM ticks") == 120)
            #expect(try await store.scalar("SELECT count(*) FROM layouts") == 1)
            // A redelivery writes nothing and marks nothing for the rollup pass.
            let again = try await store.persist([minute(machine: "a", sequence: 1, start: B.noon)])
            #expect(again.samplesInserted == 0 && again.samplesDuplicate == 120)
        }
    }

    @Test func rollupsAreExactAfterLateSamplesAndRedeliveries() async throws {
        try await TestDatabase.withFreshStore { store, _ in
            _ = try await store.persist([minute(sequence: 1, start: B.noon)])
            let before = try await minuteHistory(store, from: B.noon, to: B.noon + B.minute)
            #expect(before.points.map(\.count) == [60])

            // The minute is still open 5 s after it ends: nothing is rolled up yet.
            var report = try await store.rollUp(now: B.date(B.noon + B.minute + 5_000))
            #expect(report.minutes == 0)
            report = try await store.rollUp(now: B.date(B.noon + 2 * B.minute))
            #expect(report.minutes == 1)
            #expect(try await store.scalar("SELECT sum(count)::int8 FROM samples_1m") == 120)
            #expect(try await minuteHistory(store, from: B.noon, to: B.noon + B.minute) == before)

            // Redelivered: no new rows, nothing to roll up again.
            _ = try await store.persist([minute(sequence: 1, start: B.noon)])
            #expect(try await store.rollUp(now: B.date(B.noon + 3 * B.minute)).minutes == 0)

            // A late sample (an outbox backfill) re-opens its closed minute; the next pass recomputes it.
            _ = try await store.persist([
                B.make(sequence: 2, samples: [("cpu.usage_percent", ["cpu": "total"], 500, B.noon + 500)])
            ])
            #expect(try await store.rollUp(now: B.date(B.noon + 3 * B.minute)).minutes == 1)
            #expect(try await store.scalar("SELECT sum(count)::int8 FROM samples_1m") == 121)
            let after = try await minuteHistory(store, from: B.noon, to: B.noon + B.minute)
            #expect(after.points.map(\.count) == [61])
            #expect(after.points.first?.max == 500)
        }
    }

    @Test func historyIsTheSameBeforeAndAfterThePass() async throws {
        try await TestDatabase.withFreshStore { store, _ in
            let start = B.noon - 3 * 3_600_000
            var batches: [Fleetwatch_V1_MetricBatch] = []
            for index in 0..<200 {
                let at: Int64 = start + Int64(index) * B.minute
                batches.append(minute(sequence: UInt64(index + 1), start: at, value: Double(index)))
            }
            _ = try await store.persist(batches)
            let now = B.date(start + 200 * B.minute + 30_000)
            func answers() async throws -> [MetricHistory] {
                var histories: [MetricHistory] = []
                for step: Duration in [.seconds(60), .seconds(300), .seconds(3600)] {
                    histories.append(
                        try await store.history(
                            machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"],
                            from: B.date(start - 3_600_000), to: now, step: step))
                }
                return histories
            }
            let fromRaw = try await answers()
            let report = try await store.rollUp(now: now)
            #expect(report.minutes == 200)
            #expect(report.hours == 3)
            let fromRollups = try await answers()
            #expect(fromRollups == fromRaw)
            #expect(fromRollups[2].points.map(\.count).reduce(0, +) == 200 * 60)
        }
    }

    /// The store's clock, in the test's hands.
    final class StoreClock: Sendable {
        private let date: Mutex<Date>
        init(_ start: Date) { date = Mutex(start) }
        var now: Date { date.withLock { $0 } }
        func set(_ value: Date) { date.withLock { $0 = value } }
    }

    /// A chart's 5 s buckets come from the five-second summaries for closed minutes and from raw ticks around
    /// them (a range that starts or ends inside a bucket, the minutes since the watermark): the same points as
    /// from raw ticks alone, also after a late tick re-opened a minute.
    @Test func fiveSecondSummariesAnswerAsRawTicksDo() async throws {
        // The store's clock: a day after the data (summaries are read for the last 7 days), then 10 days after.
        let clock = StoreClock(B.date(B.noon + B.day))
        try await TestDatabase.withFreshStore(now: { clock.now }) { store, _ in
            let start = B.noon
            var batches: [Fleetwatch_V1_MetricBatch] = []
            for index in 0..<10 {
                batches.append(minute(sequence: UInt64(index + 1), start: start + Int64(index) * B.minute, value: Double(index * 7)))
                batches.append(minute(machine: "db-1", sequence: UInt64(index + 1), start: start + Int64(index) * B.minute, value: 1_000))
            }
            _ = try await store.persist(batches)
            let (from, to) = (B.date(start + 2_300), B.date(start + 9 * B.minute + 1_700))
            func answers() async throws -> [MetricHistory] {
                var histories: [MetricHistory] = []
                for step: Duration in [.seconds(5), .seconds(10), .seconds(30)] {
                    histories.append(
                        try await store.history(
                            machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"], from: from, to: to,
                            step: step))
                }
                return histories
            }
            let fromRaw = try await answers()
            #expect(fromRaw[0].points.count == 109)
            #expect(fromRaw[0].points.first?.count == 2 && fromRaw[0].points.last?.count == 2)

            // Eight minutes close (the ninth and tenth are within the grace); the summaries then answer them.
            let report = try await store.rollUp(now: B.date(start + 8 * B.minute + 10_000))
            #expect(report.minutes == 8)
            // A row per machine and minute, a slot per 5 s.
            #expect(try await store.scalar("SELECT count(*) FROM ticks_5s") == 2 * 8)
            #expect(try await store.scalar("SELECT count(*) FROM ticks_5s, unnest(slots) o") == 2 * 8 * 12)
            #expect(try await store.scalar("SELECT sum(c)::int8 FROM ticks_5s, unnest(n) c") == 2 * 8 * 60)
            #expect(try await store.scalar("SELECT sum(count)::int8 FROM samples_1m") == 2 * 2 * 8 * 60)
            #expect(try await answers() == fromRaw)

            // A `from` a fraction of a millisecond after a bucket's start leaves the tick at that start out.
            let fraction = try await store.history(
                machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"],
                from: Date(timeIntervalSince1970: Double(start + 5_000) / 1000 + 0.0004), to: to, step: .seconds(5))
            #expect(fraction.points.first?.count == 4)
            #expect(fraction.points.dropFirst().elementsEqual(fromRaw[0].points.dropFirst(2)))

            // A late tick re-opens its minute: answers read that minute from raw ticks at once, and the next pass
            // rewrites its summaries.
            _ = try await store.persist([
                B.make(sequence: 11, samples: [("cpu.usage_percent", ["cpu": "total"], 500, start + 3 * B.minute + 500)])
            ])
            let late = try await answers()
            let (lateTicks, rawTicks): (Int, Int) = (late[0].points.reduce(0) { $0 + $1.count }, fromRaw[0].points.reduce(0) { $0 + $1.count })
            #expect(lateTicks == rawTicks + 1)
            #expect(late[0].points.first { $0.time == B.date(start + 3 * B.minute) }?.max == 500)
            #expect(try await store.rollUp(now: B.date(start + 8 * B.minute + 10_000)).minutes == 1)
            #expect(try await answers() == late)

            // The summaries are what answered: without a minute's, its twelve buckets are missing...
            try await store.client.query(
                "DELETE FROM ticks_5s WHERE machine_id = 'web-1' AND bucket = \(B.date(start + B.minute))", logger: store.logger)
            #expect(try await answers()[0].points.count == late[0].points.count - 12)
            // ...unless the summaries are past their retention (7 days): the raw ticks answer then.
            clock.set(B.date(start + 10 * B.day))
            #expect(try await answers() == late)
            // The late tick came alone: a layout of its own, summarised in a row of its own.
            // Only the slot with the tick.
            #expect(
                try await store.scalar(
                    "SELECT count(*) FROM ticks_5s WHERE cardinality(stats) = 3 AND slots = '{0}' AND n = '{1}'") == 1)
        }
    }

    /// A machine reporting every 20 s fills three of a minute's twelve slots: its summary rows hold those three
    /// only, and answer as its raw ticks do.
    @Test func sparseTicksMakeNarrowSummaryRows() async throws {
        let clock = StoreClock(B.date(B.noon + B.day))
        try await TestDatabase.withFreshStore(now: { clock.now }) { store, _ in
            let start = B.noon
            var samples: [(String, [String: String], Double, Int64)] = []
            for tick in 0..<12 {
                samples.append(("cpu.usage_percent", ["cpu": "total"], Double(tick), start + Int64(tick) * 20_000 + 2_000))
            }
            _ = try await store.persist([B.make(sequence: 1, at: start, samples: samples)])
            func answers() async throws -> [[HistoryPoint]] {
                var all: [[HistoryPoint]] = []
                for step: Duration in [.seconds(5), .seconds(20), .seconds(60)] {
                    all.append(
                        try await store.history(
                            machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"], from: B.date(start),
                            to: B.date(start + 4 * B.minute), step: step
                        ).points)
                }
                return all
            }
            let fromRaw = try await answers()
            #expect(fromRaw[0].count == 12)
            #expect(try await store.rollUp(now: B.date(start + 4 * B.minute + 10_000)).minutes == 4)
            #expect(
                try await store.scalar("SELECT count(*) FROM ticks_5s WHERE slots = '{0,4,8}' AND cardinality(stats) = 9") == 4)
            #expect(try await answers() == fromRaw)
        }
    }

    /// Schema 10 replaces the summaries of schema 9 (a row per 5 s) with a row per minute: the minutes the old ones
    /// covered are answered from raw ticks, the minutes the next pass closes from the new summaries, the same points.
    @Test func theUpgradeToMinuteRowsOfSummariesKeepsEveryPoint() async throws {
        let clock = StoreClock(B.date(B.noon + B.day))
        try await TestDatabase.withFreshStore(now: { clock.now }, migrate: false) { store, _ in
            try await store.migrate(through: 9)
            let start = B.noon
            _ = try await store.persist((0..<6).map { minute(sequence: UInt64($0 + 1), start: start + Int64($0) * B.minute) })
            // What schema 9's pass left of the first three minutes: a summary row per 5 s (zeros: never read again).
            try await store.client.query(
                PostgresQuery(unsafeSQL: DailyPartition(containingMilliseconds: start, parent: .fiveSeconds).createStatement),
                logger: store.logger)
            try await store.client.query(
                """
                INSERT INTO ticks_5s (machine_id, bucket, layout, n, stats)
                SELECT machine_id, date_bin(interval '5 seconds', ts, timestamptz 'epoch'), layout, count(*),
                    array_fill(0::float8, ARRAY[6])
                FROM ticks WHERE ts < \(B.date(start + 3 * B.minute)) GROUP BY 1, 2, 3
                """, logger: store.logger)
            try await store.client.query(
                "UPDATE rollup_state SET watermark = \(B.date(start + 3 * B.minute)) WHERE tier = 'm'", logger: store.logger)
            try await store.client.query(
                "DELETE FROM rollup_dirty WHERE tier = 'm' AND bucket < \(B.date(start + 3 * B.minute))", logger: store.logger)
            #expect(try await store.scalar("SELECT count(*) FROM ticks_5s") == 36)

            try await store.migrate()
            #expect(try await store.scalar("SELECT count(*) FROM ticks_5s") == 0)
            // cpu.usage_percent is 1 + the second of the minute: each 5 s bucket of seconds s…s+4.
            let expected = (0..<72).map { bucket in
                let low = 1 + Double(bucket % 12 * 5)
                return HistoryPoint(
                    time: B.date(start + Int64(bucket) * 5_000), min: low, max: low + 4, sum: 5 * low + 10, count: 5)
            }
            func answer() async throws -> [HistoryPoint] {
                try await store.history(
                    machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"], from: B.date(start),
                    to: B.date(start + 6 * B.minute), step: .seconds(5)
                ).points
            }
            #expect(try await answer() == expected)
            // The next pass closes the other three minutes into a row each; the first three stay raw.
            #expect(try await store.rollUp(now: B.date(start + 6 * B.minute + 10_000)).minutes == 3)
            #expect(try await store.scalar("SELECT count(*) FROM ticks_5s") == 3)
            #expect(try await answer() == expected)
        }
    }

    /// The gateway reads history through a store of its own: it learns the layouts the persister wrote from the
    /// ticks it meets, also those written after its first answer, and never leaves their values out.
    @Test func aReaderLearnsLayoutsWrittenByAnotherStore() async throws {
        try await TestDatabase.withFreshStore { writer, configuration in
            try await PostgresMetricStore.withStore(configuration: configuration) { reader in
                func history(step: Duration?) async throws -> MetricHistory {
                    try await reader.history(
                        machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"], from: B.date(B.noon),
                        to: B.date(B.noon + 2 * B.minute), step: step)
                }
                _ = try await writer.persist([minute(sequence: 1, start: B.noon)])
                #expect(reader.catalog.withLock { $0.count } == 0)
                let first = try await history(step: nil)
                #expect(first.points.count == 60)
                #expect(reader.catalog.withLock { $0.count } == 1)

                // The second minute brings a third series: a new layout, which the reader meets in its next answer.
                var samples: [(String, [String: String], Double, Int64)] = []
                for second in 0..<60 {
                    let at: Int64 = B.noon + B.minute + Int64(second) * 1000
                    samples.append(("cpu.usage_percent", ["cpu": "total"], 100 + Double(second), at))
                    samples.append(("mem.used_bytes", [:], 1, at))
                }
                _ = try await writer.persist([B.make(sequence: 2, at: B.noon + B.minute, samples: samples)])
                let raw = try await history(step: nil)
                #expect(raw.points.count == 120)
                #expect(raw.points.last?.sum == 159)
                #expect(reader.catalog.withLock { $0.count } == 2)
                let buckets = try await history(step: .seconds(10))
                #expect(buckets.points.map(\.count) == Array(repeating: 10, count: 12))
                // A series that only the newer layout holds, and one that no layout holds.
                let memory = try await reader.history(
                    machine: "web-1", metric: "mem.used_bytes", labels: [:], from: B.date(B.noon),
                    to: B.date(B.noon + 2 * B.minute), step: nil)
                #expect(memory.points.count == 60)
                let none = try await reader.history(
                    machine: "web-1", metric: "disk.free_bytes", labels: [:], from: B.date(B.noon),
                    to: B.date(B.noon + 2 * B.minute), step: nil)
                #expect(none.points.isEmpty)
            }
        }
    }

    @Test func theUpgradeFromRowPerSampleKeepsEveryPoint() async throws {
        try await TestDatabase.withFreshStore(migrate: false) { store, _ in
            try await store.migrate(through: 4)
            // Write the way schema 4 did: one row per sample, rollups kept with every insert.
            let legacyStart = B.noon - 10 * B.minute
            for day in Set([DailyPartition(containingMilliseconds: legacyStart, parent: .samples)]) {
                try await store.client.query(PostgresQuery(unsafeSQL: day.createStatement), logger: store.logger)
            }
            try await store.client.query(
                """
                INSERT INTO samples (machine_id, metric, labels, ts, value)
                SELECT 'web-1', 'cpu.usage_percent', 'cpu=total', timestamptz 'epoch' + (\(legacyStart) + s * 1000) * interval '1 millisecond', s
                FROM generate_series(0, 569) AS s
                """, logger: store.logger)
            for (table, width) in [("samples_1m", "minute"), ("samples_1h", "hour")] {
                try await store.client.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO \(table) SELECT machine_id, metric, labels, date_trunc('\(width)', ts, 'UTC'),
                                min(value), max(value), sum(value), count(*) FROM samples GROUP BY 1, 2, 3, 4
                            """), logger: store.logger)
            }
            try await store.client.query(
                """
                INSERT INTO machines (machine_id, first_seen, last_seen)
                VALUES ('web-1', timestamptz 'epoch' + \(legacyStart) * interval '1 millisecond',
                        timestamptz 'epoch' + \(legacyStart + 569_000) * interval '1 millisecond')
                """, logger: store.logger)

            try await store.migrate()
            #expect(try await store.appliedMigrations() == PostgresMigrations.all.map(\.version))
            // Old rows answer raw queries and `latest` until retention drops them.
            let raw = try await store.history(
                machine: "web-1", metric: "cpu.usage_percent", labels: ["cpu": "total"], from: B.date(legacyStart),
                to: B.date(B.noon), step: nil)
            #expect(raw.points.count == 570)
            #expect(try await store.latest(machine: "web-1").first?.value == 569)

            // New ticks continue the last, partial legacy minute (seconds 30–59 of it, then onwards).
            var continued: [(String, [String: String], Double, Int64)] = []
            for second in 570..<600 {
                let at: Int64 = legacyStart + Int64(second) * 1000
                continued.append(("cpu.usage_percent", ["cpu": "total"], Double(second), at))
            }
            _ = try await store.persist([B.make(sequence: 1, at: legacyStart + 570_000, samples: continued)])
            // The upgrade happened "now" (after these days): the legacy minutes answer from their rollups, and the
            // minute the new ticks re-opened is recomputed, with its legacy rows, by the next pass.
            try await store.rollUp(now: Date())
            let minutes = try await minuteHistory(store, from: legacyStart, to: B.noon)
            #expect(minutes.points.map(\.count) == Array(repeating: 60, count: 10))
            #expect(try await store.scalar("SELECT sum(count)::int8 FROM samples_1m") == 600)
            #expect(try await store.scalar("SELECT sum(count)::int8 FROM samples_1h") == 600)
            #expect(try await store.latest(machine: "web-1").first?.value == 599)
        }
    }
}
