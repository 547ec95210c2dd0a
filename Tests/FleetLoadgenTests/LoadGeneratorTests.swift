import Testing

@testable import FleetLoadgen

/// What loadgen refuses before it sends anything, and the figures of its report.
@Suite struct LoadGeneratorTests {
    func configuration(
        host: String = "127.0.0.1", machines: Int = 10, interval: Duration = .seconds(1), duration: Duration = .seconds(5)
    ) -> LoadGenerator.Configuration {
        .init(host: host, port: 4317, token: "t", machines: machines, interval: interval, duration: duration)
    }

    func refusal(_ configuration: LoadGenerator.Configuration) -> String? {
        do {
            _ = try LoadGenerator(configuration, now: { 0 })
            return nil
        } catch {
            return error.description
        }
    }

    @Test func onlyLoopbackTargetsAreAccepted() {
        for host in ["127.0.0.1", "127.0.0.2", "localhost", "::1"] { #expect(refusal(configuration(host: host)) == nil) }
        #expect(
            refusal(configuration(host: "10.0.0.1"))
                == "loadgen targets this machine only: '10.0.0.1' is not a loopback address (use 127.0.0.1)")
        #expect(refusal(configuration(host: "localhost.example.com")) != nil)
    }

    @Test func machinesIntervalAndDurationHaveBounds() {
        #expect(refusal(configuration(machines: 0)) == "--machines must be 1...100000")
        #expect(refusal(configuration(machines: 100_001)) == "--machines must be 1...100000")
        #expect(refusal(configuration(machines: 100_000)) == nil)
        #expect(refusal(configuration(interval: .milliseconds(99))) == "--interval must be at least 0.1 s")
        #expect(refusal(configuration(interval: .milliseconds(100))) == nil)
        #expect(refusal(configuration(duration: .zero)) == "--duration must be more than 0 and at most 24 h")
        #expect(refusal(configuration(duration: .seconds(24 * 3600) + .milliseconds(1))) != nil)
        #expect(refusal(configuration(duration: .seconds(24 * 3600))) == nil)
    }

    @Test func theReportCountsSentAckedAndDeferredBatches() {
        let tally = Tally()
        tally.sent(readings: 27)
        tally.sent(readings: 27)
        tally.deferred()
        tally.acked(latency: .milliseconds(4))
        let report = tally.report(elapsed: .seconds(2))
        #expect(report.batchesSent == 2 && report.batchesAcked == 1 && report.ticksDeferred == 1)
        #expect(report.samplesSent == 54)
        #expect(report.batchesPerSecond == 0.5 && report.readingsPerSecond == 27)
    }

    @Test func ackLatencyPercentilesAreInMilliseconds() {
        let tally = Tally()
        for ms in (1...100).reversed() { tally.acked(latency: .milliseconds(ms)) }
        let report = tally.report(elapsed: .seconds(1))
        #expect(report.ackLatencyP50 == 51 && report.ackLatencyP99 == 100)
        let fine = Tally()
        fine.acked(latency: .microseconds(1_500))
        #expect(fine.report(elapsed: .seconds(1)).ackLatencyP50 == 1.5, "sub-millisecond parts are kept")
        let empty = Tally().report(elapsed: .zero)
        #expect(empty.ackLatencyP50 == 0 && empty.ackLatencyP99 == 0)
        #expect(empty.batchesPerSecond == 0, "a run of no time divides by a floor, not by zero")
    }

    @Test func theReportReadsAsOneLine() {
        let report = LoadReport(
            batchesSent: 10, batchesAcked: 9, ticksDeferred: 1, samplesSent: 270, elapsed: .milliseconds(1500),
            ackLatencyP50: 1.234, ackLatencyP99: 5.678)
        #expect(
            report.description
                == "sent 10 batches (270 readings, 1 ticks deferred), acked 9 in 1.5 s: 6 batches/s, 180 readings/s; "
                + "ack latency p50 1.23 ms, p99 5.68 ms")
    }
}
