import FleetCore
import FleetProto
import Testing

@Suite struct MachineStatusTests {
    let thresholds = MachineStatus.Thresholds(staleAfter: .seconds(15), offlineAfter: .seconds(60))

    @Test(arguments: [
        (0, MachineStatus.online), (14_999, .online), (15_000, .stale), (59_999, .stale), (60_000, .offline),
        (86_400_000, .offline), (-5_000, .online),
    ] as [(Int64, MachineStatus)])
    func statusBySilence(silenceMs: Int64, expected: MachineStatus) {
        #expect(MachineStatus.of(lastSeenMs: 1_000_000, nowMs: 1_000_000 + silenceMs, thresholds: thresholds) == expected)
    }

    @Test func offlineNeverComesBeforeStale() {
        let odd = MachineStatus.Thresholds(staleAfter: .seconds(30), offlineAfter: .seconds(10))
        #expect(odd.offlineAfter == .seconds(30))
        #expect(MachineStatus.of(lastSeenMs: 0, nowMs: 20_000, thresholds: odd) == .online)
    }
}

@Suite struct MachineSummaryTests {
    func sample(_ metric: String, _ labels: [String: String], _ value: Double) -> LiveSample {
        LiveSample(metric: metric, labels: labels, value: value, timeMs: 1)
    }

    func sample(_ metric: String, _ value: Double) -> LiveSample { sample(metric, [:], value) }

    @Test func foldsTheOverviewValues() {
        let summary = MachineSummary(latest: [
            sample(MetricName.cpuUsagePercent, ["cpu": "0"], 90),
            sample(MetricName.cpuUsagePercent, ["cpu": "total"], 45),
            sample(MetricName.memUsedPercent, 30),
            sample(MetricName.diskUsedPercent, ["mount": "/"], 40),
            sample(MetricName.diskUsedPercent, ["mount": "/data"], 85),
            sample(MetricName.diskReadBytesPerSecond, ["device": "sda"], 100),
            sample(MetricName.diskReadBytesPerSecond, ["device": "sdb"], 50),
            sample(MetricName.netRecvBytesPerSecond, ["iface": "eth0"], 1000),
            sample(MetricName.netRecvBytesPerSecond, ["iface": "lo"], 1_000_000),
            sample(MetricName.netSentBytesPerSecond, ["iface": "eth0"], 10),
            sample(MetricName.load1m, 0.5),
        ])
        #expect(summary.cpuPercent == 45)
        #expect(summary.memPercent == 30)
        #expect(summary.diskPercent == 85)
        #expect(summary.diskReadBytesPerSecond == 150)
        #expect(summary.diskWriteBytesPerSecond == nil)
        #expect(summary.netRecvBytesPerSecond == 1000)
        #expect(summary.netSentBytesPerSecond == 10)
        #expect(summary.load1m == 0.5)
    }

    /// Sums over series never overflow to Inf, which no JSON reader of the fleet could be sent.
    @Test func sumsSaturateInsteadOfOverflowing() {
        let summary = MachineSummary(latest: [
            sample(MetricName.netRecvBytesPerSecond, ["iface": "eth0"], .greatestFiniteMagnitude),
            sample(MetricName.netRecvBytesPerSecond, ["iface": "eth1"], .greatestFiniteMagnitude),
        ])
        #expect(summary.netRecvBytesPerSecond == .greatestFiniteMagnitude)
    }

    @Test func unknownValuesAreNil() {
        #expect(MachineSummary(latest: []) == MachineSummary())
        #expect(MachineSummary(latest: [sample(MetricName.cpuUsagePercent, ["cpu": "1"], 50)]).cpuPercent == nil)
    }
}

@Suite struct LastValueCacheTests {
    func batch(
        _ machine: String, hostname: String = "h", at ms: Int64, received: Int64 = 0,
        _ samples: [(String, [String: String], Double)], processes: Bool = false
    ) -> Fleetwatch_V1_MetricBatch {
        .with {
            $0.machine = .with {
                $0.machineID = machine
                $0.hostname = hostname
            }
            $0.timestampMs = ms
            $0.receivedMs = received
            $0.samples = samples.map { name, labels, value in
                .with {
                    $0.name = name
                    $0.labels = labels
                    $0.value = value
                    $0.timestampMs = ms
                }
            }
            if processes { $0.processes = .with { $0.timestampMs = ms } }
        }
    }

    @Test func keepsTheNewestValueOfEachSeries() throws {
        var cache = LastValueCache()
        cache.apply(batch("m1", at: 1000, [("cpu.usage_percent", ["cpu": "total"], 10), ("mem.used_percent", [:], 20)]))
        let change = cache.apply(batch("m1", at: 2000, [("cpu.usage_percent", ["cpu": "total"], 30)]))
        #expect(change?.series == [SeriesKey(metric: "cpu.usage_percent", labels: "cpu=total")])
        let machine = try #require(cache.machines["m1"])
        #expect(machine.latest.map(\.value) == [30, 20])
        #expect(machine.lastSeenMs == 2000)
    }

    @Test func aLateRedeliveryNeverMovesASeriesBack() throws {
        var cache = LastValueCache()
        cache.apply(batch("m1", hostname: "new", at: 2000, [("load.1m", [:], 2)]))
        let change = cache.apply(batch("m1", hostname: "old", at: 1000, [("load.1m", [:], 1)]))
        #expect(change?.series == [])
        let machine = try #require(cache.machines["m1"])
        #expect(machine.series.values.map(\.value) == [2])
        #expect(machine.lastSeenMs == 2000)
        #expect(machine.identity.hostname == "new")
    }

    @Test func lastSeenIsTheEdgeReceiveTimeWhenSet() {
        var cache = LastValueCache()
        cache.apply(batch("m1", at: 1000, received: 1500, []))
        #expect(cache.machines["m1"]?.lastSeenMs == 1500)
    }

    @Test func processSnapshotsReplaceOlderOnes() {
        var cache = LastValueCache()
        #expect(cache.apply(batch("m1", at: 2000, [], processes: true))?.processes == true)
        #expect(cache.apply(batch("m1", at: 1000, [], processes: true))?.processes == false)
        #expect(cache.machines["m1"]?.processes?.timestampMs == 2000)
    }

    @Test func boundsMachinesAndSeriesAndCountsWhatDidNotFit() {
        var cache = LastValueCache(maxMachines: 2, maxSeriesPerMachine: 2)
        cache.apply(batch("m1", at: 1, [("a", [:], 1), ("b", [:], 1), ("c", [:], 1)]))
        cache.apply(batch("m2", at: 1, []))
        #expect(cache.apply(batch("m3", at: 1, [])) == nil)
        #expect(cache.machines.count == 2)
        #expect(cache.machines["m1"]?.series.count == 2)
        #expect(cache.rejected == 2)
    }

    @Test func batchesWithoutAMachineAreIgnored() {
        var cache = LastValueCache()
        #expect(cache.apply(batch("", at: 1, [("a", [:], 1)])) == nil)
        #expect(cache.machines.isEmpty)
    }

    /// Issue 12, defect 1: an Inf taken into the live view made /api/v1/machines answer 500 and the fleet
    /// WebSocket fall silent. The cache keeps the usable values of the batch and counts the others.
    @Test func unusableValuesAreNeverHeld() throws {
        var cache = LastValueCache()
        var bad = batch(
            "m1", at: 1000,
            [
                ("cpu.usage_percent", ["cpu": "total"], .infinity), ("load.1m", [:], .nan), ("load.5m", [:], 1e308),
                ("mem.used_percent", [:], 40),
            ], processes: true)
        bad.processes.byCpu = [.with { $0.pid = 9; $0.cpuPercent = -.infinity }, .with { $0.pid = 10; $0.cpuPercent = 1 }]
        let change = cache.apply(bad)
        #expect(change?.series == [SeriesKey(metric: "mem.used_percent", labels: "")])
        cache.seed(
            identity: .with { $0.machineID = "m1" }, lastSeenMs: 500,
            latest: [LiveSample(metric: "disk.used_percent", labels: [:], value: .infinity, timeMs: 500)],
            processes: nil)
        let machine = try #require(cache.machines["m1"])
        #expect(machine.latest.map(\.value) == [40])
        #expect(machine.processes?.byCpu.map(\.pid) == [10])
        #expect(machine.summary.cpuPercent == nil)
        #expect(cache.unusable == 5)
        #expect(cache.rejected == 0)
    }

    @Test func seedingKeepsNewerLiveData() throws {
        var cache = LastValueCache()
        cache.apply(batch("m1", at: 5000, [("load.1m", [:], 5)]))
        cache.seed(
            identity: .with { $0.machineID = "m1" }, lastSeenMs: 1000,
            latest: [
                LiveSample(metric: "load.1m", labels: [:], value: 1, timeMs: 1000),
                LiveSample(metric: "mem.used_percent", labels: [:], value: 7, timeMs: 1000),
            ], processes: nil)
        let machine = try #require(cache.machines["m1"])
        #expect(machine.lastSeenMs == 5000)
        #expect(machine.latest.map(\.value) == [5, 7])
    }
}

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("10", .seconds(10)), ("10s", .seconds(10)), ("5m", .seconds(300)),
        ("1h", .seconds(3600)), ("30d", .seconds(2_592_000)), (" 2m ", .seconds(120)),
    ])
    func parses(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "s", "-1s", "1.5h", "1w", "10 s", "1e3", "9999999999999s"])
    func refuses(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func formatsTheShortestExactSpelling() {
        #expect(DurationText.format(.seconds(90)) == "90s")
        #expect(DurationText.format(.seconds(3600)) == "1h")
        #expect(DurationText.format(.seconds(400 * 86_400)) == "400d")
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
    }
}
