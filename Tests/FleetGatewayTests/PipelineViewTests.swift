import FleetBus
import Testing

@testable import FleetGateway

@Suite struct PipelineViewTests {
    @Test func eachQueueCarriesItsDeadLetterQueueAndDLQsAreNotListedTwice() {
        let queues = PipelineView.queues(from: [
            QueueStatus(name: "fleet.fanout.gw1", ready: 3, unacked: 0, consumers: 1),
            QueueStatus(name: "fleet.normalize", ready: 10, unacked: 5, consumers: 2),
            QueueStatus(name: "fleet.normalize.dlq", ready: 4, unacked: 0, consumers: 0),
        ])
        #expect(queues == [
            QueueView(name: "fleet.fanout.gw1", ready: 3, unacked: 0, consumers: 1, deadLettered: nil),
            QueueView(name: "fleet.normalize", ready: 10, unacked: 5, consumers: 2, deadLettered: 4),
        ])
    }

    @Test func theManagementURLIsValidatedAndItsCredentialsStayOutOfTheURL() throws {
        #expect(throws: InspectorError.self) { try RabbitManagementInspector(url: "amqp://guest@localhost", vhost: "/") }
        #expect(throws: InspectorError.self) { try RabbitManagementInspector(url: "not a url", vhost: "/") }
        _ = try RabbitManagementInspector(url: "http://guest:guest@127.0.0.1:15672", vhost: "/")
    }
}
