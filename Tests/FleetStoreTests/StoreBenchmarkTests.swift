import Foundation
import Testing

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
            #expect(results.count == 6)
            #expect(results.allSatisfy { $0.rows == rows })
        }
    }
}
