import FleetConfig
import FleetProto
import FleetRuntime
import SwiftProtobuf
import Testing

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
