import FleetRuntime
import Testing

@Suite struct ProcessMetricsTests {
    /// A real /proc/self/stat line, its command name holding a space and a parenthesis.
    static let stat =
        "4242 (fleet (watch) x) S 1 4242 4242 0 -1 4194560 2231 0 0 0 150 50 0 0 20 0 9 0 12345 987654321 2048 "
        + "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0"
    static let procStat = "cpu  1 2 3 4\nintr 1\nbtime 1764279000\nprocesses 9\n"

    @Test func readsCPUMemoryAndStartTimeFromTheFieldsAfterTheCommandName() throws {
        let metrics = try #require(
            ProcessMetrics.parse(
                stat: Self.stat, procStat: Self.procStat, openFDs: 12, maxFDs: 1024, clockTicksPerSecond: 100,
                pageSize: 4096))
        #expect(metrics.cpuSeconds == 2.0)  // (150 + 50) ticks / 100
        #expect(metrics.virtualBytes == 987_654_321)
        #expect(metrics.residentBytes == 2048 * 4096)
        #expect(metrics.startTimeSeconds == 1_764_279_000 + 123.45)
        #expect(metrics.openFDs == 12 && metrics.maxFDs == 1024)
    }

    @Test func textThatIsNotTheKernelsIsNil() {
        #expect(
            ProcessMetrics.parse(
                stat: "garbage", procStat: Self.procStat, openFDs: 1, maxFDs: 1, clockTicksPerSecond: 100, pageSize: 4096) == nil)
        #expect(
            ProcessMetrics.parse(
                stat: Self.stat, procStat: "cpu 1\n", openFDs: 1, maxFDs: 1, clockTicksPerSecond: 100, pageSize: 4096) == nil)
    }

    @Test func thisProcessHasSaneValuesAndEveryFamilyHasHelpAndType() throws {
        let metrics = try #require(ProcessMetrics.current())
        #expect(metrics.residentBytes > 0 && metrics.openFDs > 0 && metrics.maxFDs >= metrics.openFDs)
        let text = metrics.exposition + ProcessMetrics.buildInfo
        for family in [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
            "process_max_fds", "process_start_time_seconds", "fleetwatch_build_info",
        ] {
            #expect(text.contains("# HELP \(family) "), "\(family) has no HELP")
            #expect(text.contains("# TYPE \(family) "), "\(family) has no TYPE")
        }
        #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
    }
}
