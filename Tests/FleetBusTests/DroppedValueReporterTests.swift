import FleetBus
import FleetCore
import FleetTestSupport
import Logging
import Synchronization
import Testing

/// A machine that keeps sending a broken value shows up once in the log, not on every batch, and the memory of
/// what was logged stays bounded.
@Suite struct DroppedValueReporterTests {
    @Test func logsEachMachineAndSeriesOnce() {
        let captured = CapturedLogs()
        let reporter = DroppedValueReporter(counter: "test_dropped_values_total", stage: "test", logger: captured.logger)
        let inf = DroppedValue(metric: "load.1m", labels: [:], value: .infinity)
        let nan = DroppedValue(metric: "cpu.usage_percent", labels: ["cpu": "total"], value: .nan)
        for sequence in UInt64(1)...50 { reporter.report([inf, nan], machine: "m1", sequence: sequence) }
        reporter.report([inf], machine: "m2", sequence: 1)
        reporter.report([], machine: "m3", sequence: 1)

        let lines = captured.lines.withLock { $0 }
        #expect(lines.count == 3)
        #expect(lines.map { "\($0.metadata["machine"] ?? "") \($0.metadata["series"] ?? "")" } == [
            "m1 load.1m", "m1 cpu.usage_percent{cpu=total}", "m2 load.1m",
        ])
        #expect(lines.first?.metadata["value"] == "inf")
        #expect(lines.first?.metadata["stage"] == "test")
    }

    @Test func stopsLoggingNewSeriesPastItsBoundAndSaysSoOnce() {
        let captured = CapturedLogs()
        let reporter = DroppedValueReporter(
            counter: "test_dropped_values_total", stage: "test", logger: captured.logger, maxLoggedSeries: 2)
        for index in 0..<10 {
            reporter.report([DroppedValue(series: "s\(index)", value: .nan)], machine: "m1", sequence: 1)
        }
        let messages = captured.lines.withLock { $0.map(\.message) }
        #expect(messages.count == 3)
        #expect(messages.last == "unusable values from more than 2 series; further ones are only counted")
    }
}
