import FleetCore
import FleetProto
import Testing

@Suite struct MonitoringMappingTests {
    func map(_ metric: String, _ labels: [String: String], _ value: Double) -> Monitoring_Metric? {
        MonitoringMapping.metric(machineID: "m", LiveSample(metric: metric, labels: labels, value: value, timeMs: 42))
    }

    func map(_ metric: String, _ value: Double) -> Monitoring_Metric? { map(metric, [:], value) }

    @Test func mapsCanonicalNamesOntoTheOriginalEnum() throws {
        let cpu = try #require(map(MetricName.cpuUsagePercent, ["cpu": "total"], 37.5))
        #expect(cpu.type == .cpuPercent)
        #expect(cpu.value == 37.5)
        #expect(cpu.timestamp == 42)
        #expect(cpu.machineID == "m")
        #expect(map(MetricName.memUsedPercent, 50)?.type == .memoryPercent)
        #expect(map(MetricName.memUsedBytes, 2_500_000_000)?.value == 2.5)
        #expect(map(MetricName.diskUsedPercent, ["mount": "/"], 70)?.labels == ["mount": "/"])
        let sent = try #require(map(MetricName.netSentBytesPerSecond, ["iface": "eth0"], 125_000))
        #expect(sent.type == .networkSentMbps)
        #expect(sent.value == 1)
        #expect(map(MetricName.netRecvBytesPerSecond, ["iface": "eth0"], 250_000)?.value == 2)
    }

    @Test func leavesOutWhatTheOriginalContractHasNoTypeFor() {
        #expect(map(MetricName.cpuUsagePercent, ["cpu": "0"], 1) == nil)
        #expect(map(MetricName.netRecvBytesPerSecond, ["iface": "lo"], 1) == nil)
        #expect(map(MetricName.load1m, 1) == nil)
    }

    @Test func healthFollowsFreshness() {
        #expect(MonitoringMapping.health(.online) == .healthy)
        #expect(MonitoringMapping.health(.stale) == .unknown)
        #expect(MonitoringMapping.health(.offline) == .unknown)
    }
}
