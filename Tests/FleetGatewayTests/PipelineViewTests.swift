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
}
