import FleetFanout
import FleetGateway
import FleetRuntime
import FleetSettings
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// The OpenAPI document served at /api/v1/openapi.json is written by hand; this keeps it equal to the routes the
/// gateway registers under /api/v1, in both directions, and names every difference.
@Suite struct OpenAPIRoutesTests {
    /// One operation: an HTTP method on a path, with captures written `{}` whatever their names (`:id` in the
    /// router, `{machine_id}` in the document), since a name is not part of what a client calls.
    struct Operation: Hashable, Comparable, CustomStringConvertible {
        var method: String
        var path: String

        init(method: String, path: String) {
            self.method = method.uppercased()
            self.path =
                "/"
                + path.split(separator: "/").map { component in
                    component.hasPrefix(":") || (component.hasPrefix("{") && component.hasSuffix("}")) ? "{}" : String(component)
                }.joined(separator: "/")
        }

        var description: String { "\(method) \(path)" }
        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
    }

    /// The gateway with every optional part wired (a config-service client, never called, so the rule and
    /// machine-admin routes are there too).
    func server() throws -> GatewayServer {
        let config = ConfigClient(
            transport: try GRPCEndpoint(url: "http://127.0.0.1:1", variable: "TEST", defaultPort: 7071).makeTransport())
        return GatewayServer(
            configuration: .init(
                host: "127.0.0.1", port: 0, web: WebFiles(root: GatewayRouterTests.webRoot),
                thresholds: .init(staleAfter: .seconds(15), offlineAfter: .seconds(60)), gatewayID: "gw-test"),
            hub: LiveHub(), store: CannedStore(), config: config,
            health: HealthRoutes(readiness: Readiness([]), registry: PrometheusCollectorRegistry()),
            logger: .init(label: "test"), now: { 0 })
    }

    /// The document's operations, read from what the gateway serves.
    func documentedOperations(_ server: GatewayServer) async throws -> Set<Operation> {
        let app = Application(router: server.makeRouter())
        let body = try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                return Data(response.body.readableBytesView)
            }
        }
        let document = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]], "the document has no paths object")
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        return Set(
            paths.flatMap { path, item in
                item.keys.filter(methods.contains).map { Operation(method: $0, path: path) }
            })
    }

    @Test func everyRouteUnderAPIV1IsDocumentedAndEveryDocumentedOperationExists() async throws {
        let server = try server()
        let routes = Set(
            server.makeRouter().routes
                .filter { $0.path.description.hasPrefix("/api/v1/") }
                .map { Operation(method: $0.method.rawValue, path: $0.path.description) })
        let documented = try await documentedOperations(server)
        #expect(!routes.isEmpty, "found no /api/v1 routes: the router's route list is not what this test expects")

        let undocumented = routes.subtracting(documented).sorted()
        let missing = documented.subtracting(routes).sorted()
        #expect(
            undocumented.isEmpty,
            "routes missing from OpenAPIDocument.swift (add them under \"paths\"): \(undocumented.map(\.description).joined(separator: ", "))"
        )
        #expect(
            missing.isEmpty,
            "documented in OpenAPIDocument.swift but not routed: \(missing.map(\.description).joined(separator: ", "))")
    }

    @Test func operationsCompareWithoutCaptureNames() {
        #expect(Operation(method: "get", path: "/api/v1/machines/{machine_id}") == Operation(method: "GET", path: "/api/v1/machines/:id"))
        #expect(Operation(method: "GET", path: "/api/v1/machines/{id}") != Operation(method: "DELETE", path: "/api/v1/machines/{id}"))
        #expect(Operation(method: "GET", path: "/api/v1/rules") != Operation(method: "GET", path: "/api/v1/rules/{id}"))
    }
}
