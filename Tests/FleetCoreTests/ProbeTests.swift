import FleetCore
import FleetProto
import Testing

/// Synthetic transactions and trace context: the pure parts.
@Suite struct ProbeTests {
    @Test func latencySummaryUsesNearestRankPercentiles() throws {
        let summary = try #require(LatencySummary(Array(1...100).map(Int64.init)))
        #expect(summary == LatencySummary(count: 100, p50: 50, p90: 90, p99: 99, max: 100))
        let one = try #require(LatencySummary([7]))
        #expect(one.p50 == 7 && one.p99 == 7 && one.max == 7)
        #expect(LatencySummary([]) == nil)
    }

    @Test func latenciesKeepTheLastProbesOfEachHopInPathOrder() throws {
        var latencies = ProbeLatencies(capacity: 3)
        for ms in [100, 1, 2, 3] as [Int64] { latencies.record(.persisted, milliseconds: ms) }
        latencies.record(.edgeAck, milliseconds: -5)  // a clock step: never negative
        let summaries = latencies.summaries()
        #expect(summaries.map(\.hop) == [.edgeAck, .persisted])
        #expect(summaries[0].latency.max == 0)
        // The ring dropped the oldest (100 ms).
        #expect(summaries[1].latency == LatencySummary(count: 3, p50: 2, p90: 3, p99: 3, max: 3))
    }

    @Test func onlyMarkedMachinesAreProbesAndTheirEchoNamesTheHop() {
        var batch = Fleetwatch_V1_MetricBatch()
        batch.machine.machineID = "probe-ci"
        batch.sequence = 42
        batch.timestampMs = 1_000
        #expect(!Probe.isProbe(batch.machine))
        batch.machine.labels = [Probe.label: "ci"]
        #expect(Probe.isProbe(batch.machine))
        let echo = Probe.echo(of: batch, hop: .persisted, at: 1_250)
        #expect(echo.machineID == "probe-ci" && echo.sequence == 42 && echo.sentMs == 1_000 && echo.observedMs == 1_250)
        #expect(echo.hop == "persisted")
        #expect(RoutingKey.probe(hop: .persisted, machine: "probe-ci") == "probe.persisted.probe-ci")
        #expect(ProbeHop.allCases.sorted() == [.edgeAck, .normalized, .persisted, .evaluated, .websocket])
    }

    @Test func traceParentsAreWellFormedAndDistinct() {
        let first = TraceParent.random(), second = TraceParent.random()
        #expect(TraceParent.isValid(first) && TraceParent.isValid(second))
        #expect(first != second)
        #expect(first.hasPrefix("00-") && first.hasSuffix("-01") && first.count == 55)
        for bad in [
            "", "00-abc-def-01", "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        ] {
            #expect(!TraceParent.isValid(bad), "\(bad)")
        }
        #expect(TraceParent.isValid("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
    }
}
