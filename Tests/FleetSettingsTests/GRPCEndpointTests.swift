import Testing

@testable import FleetSettings

/// `GRPCEndpoint`: the ingest and config-service URLs, with errors that name the variable.
@Suite struct GRPCEndpointTests {
    @Test func parsesPlaintextAndTLSURLsWithTheirDefaultPorts() throws {
        #expect(try GRPCEndpoint(url: "http://127.0.0.1:7070") == GRPCEndpoint(host: "127.0.0.1", port: 7070))
        #expect(try GRPCEndpoint(url: "https://ingest.example.com") == GRPCEndpoint(host: "ingest.example.com", port: 7070, usesTLS: true))
        #expect(
            try GRPCEndpoint(url: "http://config.local/", variable: "FLEETWATCH_CONFIG_URL", defaultPort: 7071)
                == GRPCEndpoint(host: "config.local", port: 7071))
        #expect(try GRPCEndpoint(url: "http://[::1]:9000") == GRPCEndpoint(host: "::1", port: 9000))
    }

    @Test func classifiesTheAddressToConnectTo() throws {
        #expect(try GRPCEndpoint(url: "http://10.0.0.7:7070").address == .ipv4("10.0.0.7", port: 7070))
        #expect(try GRPCEndpoint(url: "http://[fe80::1]:7070").address == .ipv6("fe80::1", port: 7070))
        #expect(try GRPCEndpoint(url: "http://edge.internal:7070").address == .dns("edge.internal", port: 7070))
        #expect(try GRPCEndpoint(url: "http://1.2.3:7070").address == .dns("1.2.3", port: 7070))
    }

    @Test func rejectsWhatIsNotAGRPCURLNamingTheVariable() {
        for bad in [
            "127.0.0.1:7070", "grpc://host:1", "http://", "http://:7070", "http://host:0", "http://host:65536",
            "http://host:port", "http://host:7070/path", "http://[::1", "http://[::1]x",
        ] {
            #expect(throws: GRPCEndpointError(variable: "FLEETWATCH_CONFIG_URL", value: bad), "\(bad)") {
                try GRPCEndpoint(url: bad, variable: "FLEETWATCH_CONFIG_URL", defaultPort: 7071)
            }
        }
        #expect(
            GRPCEndpointError(variable: "FLEETWATCH_INGEST_URL", value: "x").description
                == "FLEETWATCH_INGEST_URL: expected http://host:port or https://host:port, got 'x'")
    }
}
