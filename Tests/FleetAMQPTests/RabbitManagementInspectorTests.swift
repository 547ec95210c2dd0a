import FleetAMQP
import Testing

@Suite struct RabbitManagementInspectorTests {
    @Test func theManagementURLIsValidatedAndItsCredentialsStayOutOfTheURL() throws {
        #expect(throws: InspectorError.self) { try RabbitManagementInspector(url: "amqp://guest@localhost", vhost: "/") }
        #expect(throws: InspectorError.self) { try RabbitManagementInspector(url: "not a url", vhost: "/") }
        _ = try RabbitManagementInspector(url: "http://guest:guest@127.0.0.1:15672", vhost: "/")
    }
}
