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

    /// Issue 12, defect 4: a batch published straight on fleet.metrics reached the live view unchecked; a year-3000
    /// stamp showed its machine online forever. The consumer applies the edge's rules at its own clock: refused
    /// batches are skipped (counted, logged once), the rest of the bundle reaches the hub, markup stays text.
    @Test func batchesTheEdgeWouldRefuseNeverReachTheLiveView() async throws {
        let bus = InProcessBus()
        try await bus.declare(.fanout(instance: "t"))
        let hub = LiveHub()
        let subscription = hub.subscribe()
        defer { subscription.cancel() }
        subscription.follow(.machine("m1"))
        _ = try await nextUpdate(subscription)  // "no data from machine 'm1' yet"
        let nowMs: Int64 = 1_800_000_000_000
        let consumer = FanoutConsumer(bus: bus, instance: "t", hub: hub, logger: Logger(label: "test"))
        let running = Task { try await consumer.run(now: { nowMs }) }
        defer { running.cancel() }

        var future = metricBatch("future", at: 32_503_680_000_000, [("load.1m", 1)])
        future.receivedMs = 32_503_680_000_000
        var huge = metricBatch("big", at: nowMs, [("load.1m", 1)])
        huge.machine.hostname = String(repeating: "h", count: 1 << 20)
        var good = metricBatch("m1", at: nowMs, [("load.1m", 0.5)])
        good.machine.hostname = "<script>alert(1)</script>"
        let batches = [metricBatch("../../x", at: nowMs, [("load.1m", 1)]), future, huge, good]
        for _ in 0..<2 {  // twice: the second round is only counted, not logged
            try await bus.publish([
                OutgoingMessage(
                    exchange: FleetExchange.metrics, routingKey: RoutingKey.metrics(machine: "m1", group: .samples),
                    body: BundleBody(try batches.map { try $0.serializedBytes() as [UInt8] }).bytes,
                    type: MessageType.metricBundle, persistent: false)
            ])
        }
        let update = try await nextUpdate(subscription)
        #expect(update.samples.map(\.value) == [0.5])
        await bus.waitUntilIdle([FleetQueue.fanout("t")])
        #expect(hub.machines().map(\.machineID) == ["m1"])
        #expect(hub.machine("m1")?.identity.hostname == "<script>alert(1)</script>")
    }
}
