import FleetCore
import FleetFanout
import FleetGateway
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import Testing

@Suite struct OriginPolicyTests {
    @Test func theGatewaysOwnOriginAndClientsWithoutOneAreAllowed() {
        let policy = OriginPolicy()
        #expect(policy.allows(origin: nil, host: "127.0.0.1:8080"))
        #expect(policy.allows(origin: "http://127.0.0.1:8080", host: "127.0.0.1:8080"))
        #expect(policy.allows(origin: "https://Dash.Example.com", host: "dash.example.com"))
        #expect(policy.allows(origin: "ws://gateway", host: "gateway:8080"), "fleetwatch probe's WebSocket client")
        #expect(!policy.allows(origin: "http://evil.example", host: "127.0.0.1:8080"))
        #expect(!policy.allows(origin: "http://127.0.0.1:9999", host: "127.0.0.1:8080"))
        #expect(!policy.allows(origin: "null", host: "127.0.0.1:8080"))
        #expect(!policy.allows(origin: "http://127.0.0.1:8080", host: nil))
    }

    @Test func listedOriginsAndTheWildcard() throws {
        let policy = try OriginPolicy.parse("https://dash.example.com, http://10.0.0.5:8080/").get()
        #expect(policy.allows(origin: "https://dash.example.com", host: "gw:8080"))
        #expect(policy.allows(origin: "http://10.0.0.5:8080", host: "gw:8080"))
        #expect(!policy.allows(origin: "https://other.example.com", host: "gw:8080"))
        #expect(try OriginPolicy.parse("*").get().allows(origin: "http://anything", host: "gw:8080"))
        #expect(try OriginPolicy.parse("").get() == OriginPolicy())
    }

    @Test func malformedEntriesAreRefusedNamingThem() {
        #expect(OriginPolicy.parse("dash.example.com") == .failure(OriginPolicyError(entry: "dash.example.com")))
        #expect(OriginPolicy.parse("https://dash.example.com/path") == .failure(OriginPolicyError(entry: "https://dash.example.com/path")))
        #expect(OriginPolicy.parse("http://") == .failure(OriginPolicyError(entry: "http://")))
    }

    @Test func aForeignPageCannotOpenTheLiveFeed() async throws {
        let router = Router(context: BasicWebSocketRequestContext.self)
        LiveSocket(
            hub: LiveHub(), gatewayID: "gw", thresholds: .init(staleAfter: .seconds(15), offlineAfter: .seconds(60)),
            logger: .init(label: "test"), now: { 0 }
        ).add(to: router)
        try await Application(router: router).test(.router) { client in
            try await client.execute(
                uri: "/api/v1/live", method: .get, headers: [.origin: "http://evil.example"]
            ) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("FLEETWATCH_ALLOWED_ORIGINS"))
            }
        }
    }
}
