import FleetBus
import Foundation
import Testing

@testable import FleetAMQP

@Suite(.timeLimit(.minutes(1))) struct RabbitManagementInspectorTests {
    @Test func theManagementURLIsValidatedAndItsCredentialsStayOutOfTheURL() throws {
        #expect(throws: InspectorError.self) { try RabbitManagementInspector(url: "amqp://guest@localhost", vhost: "/") }
        #expect(throws: InspectorError.self) { try RabbitManagementInspector(url: "not a url", vhost: "/") }
        _ = try RabbitManagementInspector(url: "http://guest:guest@127.0.0.1:15672", vhost: "/")
    }

    /// Against the test broker's management API (FLEETWATCH_MANAGEMENT_URL, default
    /// http://guest:guest@127.0.0.1:15672): a queue with messages shows them as ready. The API refreshes its
    /// figures every few seconds, so the test waits for them.
    @Test func readsTheFiguresOfAQueue() async throws {
        guard let bus = try await TestBroker.bus() else { return }
        let queue = TestBroker.uniqueQueue("inspect")
        defer { Task { _ = try? await bus.deleteQueue(queue); await bus.shutdown() } }
        try await bus.declare(Topology(queues: [Topology.Queue(name: queue, durable: false)]))
        try await bus.publish((0..<3).map { message(queue, "m\($0)") })
        let base =
            TestBroker.environment[RabbitManagementInspector.environmentVariable] ?? RabbitManagementInspector.defaultURL
        let inspector = try RabbitManagementInspector(url: base, vhost: "/")

        var status: QueueStatus?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            status = try await inspector.queueStatus().first { $0.name == queue }
            if status?.ready == 3 { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(status == QueueStatus(name: queue, ready: 3, unacked: 0, consumers: 0))
    }

    @Test func anUnreachableAPIIsAnErrorNamingTheAddressWithoutThePassword() async throws {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let inspector = try RabbitManagementInspector(url: "http://guest:secret@127.0.0.1:1", vhost: "/")
        do {
            _ = try await inspector.queueStatus()
            Issue.record("expected an InspectorError")
        } catch let error as InspectorError {
            #expect(error.description.contains("127.0.0.1:1"))
            #expect(!error.description.contains("secret"))
        }
    }
}
