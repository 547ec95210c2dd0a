import FleetConfig
import FleetCore
import FleetProto
import FleetRuntime
import SwiftProtobuf
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

@Suite struct StandardServicesTests {
    @Test func reflectionListsTheServicesAndFindsTheirFiles() throws {
        let reflection = ReflectionService(services: ConfigServiceNames.all)
        let list = try reflection.answer(.with { $0.listServices = "*" })
        #expect(list.listServicesResponse.service.map(\.name).contains("fleetwatch.v1.Rules"))

        let rules = try reflection.answer(.with { $0.fileContainingSymbol = "fleetwatch.v1.Rules" })
        let files = try rules.fileDescriptorResponse.fileDescriptorProto.map {
            try Google_Protobuf_FileDescriptorProto(serializedBytes: $0)
        }
        #expect(files.first?.name == "fleetwatch/v1/alerts.proto")
        let method = try reflection.answer(.with { $0.fileContainingSymbol = "monitoring.MetricsService.GetCurrentState" })
        #expect(!method.fileDescriptorResponse.fileDescriptorProto.isEmpty)
        let byName = try reflection.answer(.with { $0.fileByFilename = "fleetwatch/v1/fleet.proto" })
        let names = try byName.fileDescriptorResponse.fileDescriptorProto.map {
            try Google_Protobuf_FileDescriptorProto(serializedBytes: $0).name
        }
        #expect(names == ["fleetwatch/v1/fleet.proto", "fleetwatch/v1/metrics.proto"])
        #expect(try reflection.answer(.with { $0.fileContainingSymbol = "no.Such" }).errorResponse.errorCode != 0)
    }
}
