import Foundation
import Testing

@testable import FleetPostgres
@testable import FleetStore

/// Runs `StoreBenchmark` when FLEETWATCH_STORE_BENCH_ROWS is set (e.g. 200000); otherwise does nothing,
/// so the regular test run stays fast.
@Suite struct StoreBenchmarkTests {
    @Test func throughput() async throws {
        guard let text = ProcessInfo.processInfo.environment["FLEETWATCH_STORE_BENCH_ROWS"], let rows = Int(text) else {
            return
        }
        try await TestDatabase.withFreshStore { _, _ in
            let results = try await StoreBenchmark.run(configuration: TestDatabase.configuration!, rows: rows)
            #expect(results.count == 7)
            #expect(results.prefix(6).allSatisfy { $0.rows == rows })
            // The rollup pass covers what both staging modes wrote.
            #expect(results[6].rows == 2 * rows)
        }
    }
}

/// A short run of `HistoryBenchmark` on every test run (5 machines): the loader and the queries must keep working
/// on the current schema; the figures themselves come from `fleetwatch bench history` (docs/benchmarks.md).
@Suite struct HistoryBenchmarkTests {
    @Test func loadsAndAnswersBothRanges() async throws {
        try await TestDatabase.withFreshStore { _, _ in
            let results = try await HistoryBenchmark.run(configuration: TestDatabase.configuration!, machines: 5, queries: 12)
            #expect(results.map(\.points) == [720, 720])
        }
    }
}
