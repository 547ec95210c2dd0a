import FleetBus
import FleetCore
import FleetFanout
import FleetProto
import Foundation
import Logging
import Testing

/// The fanout consumer on the in-process bus.
@Suite(.timeLimit(.minutes(1))) struct FanoutConsumerTests {
    /// Issue 12, defect 1: an Inf published straight on fleet.metrics reached the live view, and the gateway could
    /// no longer answer for the fleet. The consumer keeps the batch's usable values and drops the others.
    @Test func unusableValuesFromTheBusNeverReachTheLiveView() async throws {
        let bus = InProcessBus()
        try await bus.declare(.fanout(instance: "t"))
        let hub = LiveHub()
        let subscription = hub.subscribe()
        defer { subscription.cancel() }
        subscription.follow(.machine("m1"))
        _ = try await nextUpdate(subscription)  // "no data from machine 'm1' yet"
        let consumer = FanoutConsumer(bus: bus, instance: "t", hub: hub, logger: Logger(label: "test"))
        let running = Task { try await consumer.run(now: { 1_000 }) }
        defer { running.cancel() }

        var batch = metricBatch("m1", at: 1_000, [("load.1m", .infinity), ("load.5m", .nan), ("load.15m", 0.5)])
        batch.processes = .with {
            $0.timestampMs = 1_000
            $0.byCpu = [.with { $0.pid = 1; $0.cpuPercent = .infinity }, .with { $0.pid = 2; $0.cpuPercent = 4 }]
        }
        try await bus.publish([
            OutgoingMessage(
                exchange: FleetExchange.metrics, routingKey: RoutingKey.metrics(machine: "m1", group: .samples),
                body: try batch.serializedBytes(), type: MessageType.metricBatch, persistent: false)
        ])
        let update = try await nextUpdate(subscription)
        #expect(update.samples.map(\.metric) == ["load.15m"])
        #expect(update.processes?.byCpu.map(\.pid) == [2])
        let machine = try #require(hub.machine("m1"))
        #expect(machine.latest.map(\.value) == [0.5])
    }
}
