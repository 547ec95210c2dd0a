import FleetBus
import FleetCore
import FleetProto
import Synchronization
import Testing

/// Bundles: many batches in one bus message, built from bytes encoded once, read back alike whether a
/// delivery is a bundle or a single batch from before bundles.
@Suite struct BundleTests {
    private func raw(_ sequence: UInt64, machine: String = "m1") -> Fleetwatch_V1_RawBatch {
        .with {
            $0.machineID = machine
            $0.sequence = sequence
            $0.source = "proc"
            $0.readings = [.with { $0.key = "loadavg.1"; $0.value = Double(sequence) }]
        }
    }

    private func delivery(_ body: [UInt8], type: String?, headers: [String: String] = [:]) -> Delivery {
        Delivery(exchange: "x", routingKey: "k", body: body, type: type, headers: headers, redelivered: false, tag: 1, epoch: 1)
    }

    @Test func aBodyOfConcatenatedBatchesIsTheBundleProtobufWouldEncode() throws {
        // Past 127 bytes the length takes two varint bytes; past 16 KiB three.
        var large = raw(2)
        large.readings = (0..<2_000).map { index in .with { $0.key = "k\(index)"; $0.value = 1 } }
        let batches = [raw(1), large, raw(3)]
        let body = BundleBody(try batches.map { try $0.serializedBytes() })
        let expected: [UInt8] = try Fleetwatch_V1_RawBundle.with { $0.batches = batches }.serializedBytes()
        #expect(body.bytes == expected)
        #expect(body.count == 3)
        var grown = BundleBody([try raw(1).serializedBytes()])
        let next: [UInt8] = try large.serializedBytes()
        let predicted = grown.size(adding: next)
        grown.append(next)
        #expect(predicted == grown.bytes.count)
    }

    @Test func aSingleBatchFromBeforeBundlesTakesItsTimeAndTraceFromTheHeaders() throws {
        let traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let single = delivery(
            try raw(5).serializedBytes(), type: MessageType.rawBatch,
            headers: [BusHeader.receivedAt: "1234", BusHeader.traceParent: traceParent])
        let batches = try DeliveryBatches.raw(single)
        #expect(batches.map(\.sequence) == [5])
        #expect(batches.first?.receivedMs == 1234 && batches.first?.traceParent == traceParent)

        let bundle = delivery(
            BundleBody([try raw(1).serializedBytes(), try raw(2).serializedBytes()]).bytes, type: MessageType.rawBundle)
        #expect(try DeliveryBatches.raw(bundle).map(\.sequence) == [1, 2])
    }

    @Test func aDeliveryOfAnotherKindIsRefusedByName() throws {
        #expect(throws: ValidationError.self) { try DeliveryBatches.raw(delivery([1, 2], type: MessageType.metricBundle)) }
        #expect(throws: ValidationError.self) { try DeliveryBatches.metric(delivery([0xFF, 0xFF], type: MessageType.metricBundle)) }
    }

    @Test func metricBundlesGroupBySlotAndKeepProcessSnapshotsApart() throws {
        var bundles = MetricBundles()
        let machines = (0..<200).map { "machine-\($0)" }
        for (index, machine) in machines.enumerated() {
            try bundles.add(.with {
                $0.machine.machineID = machine
                $0.sequence = UInt64(index + 1)
                $0.samples = [.with { $0.name = "cpu.busy_ratio"; $0.value = 0.5 }]
                if index == 0 { $0.processes = .with { $0.byCpu = [.with { $0.pid = 1 }] } }
            })
        }
        let messages = bundles.messages
        #expect(messages.count <= MetricSlot.count + 1, "one message per slot used, plus one of processes")
        var seen: [UInt64] = []
        for message in messages {
            let words = message.routingKey.split(separator: ".")
            #expect(words.count == 3 && words[0] == "metrics", "matches metrics.*.samples and .processes")
            let batches = try DeliveryBatches.metric(delivery(message.body, type: message.type))
            for batch in batches {
                #expect("s\(MetricSlot.of(machine: batch.machine.machineID).index)" == words[1])
            }
            if words[2] == "processes" {
                #expect(batches.map(\.machine.machineID) == ["machine-0"] && batches.allSatisfy { $0.samples.isEmpty })
            } else {
                #expect(batches.allSatisfy { !$0.hasProcesses && $0.samples.count == 1 })
                seen += batches.map(\.sequence)
            }
        }
        #expect(seen.sorted() == Array(1...200))
    }

    @Test func slotsSpreadMachinesAndNeverChange() {
        #expect(MetricSlot.of(machine: "web-1") == MetricSlot.of(machine: "web-1"))
        let used = Set((0..<1_000).map { MetricSlot.of(machine: "host-\($0)").index })
        #expect(used.count == MetricSlot.count)
    }

    @Test func theEdgeBundlesWhatArrivesWhileAPublishIsInFlight() async throws {
        let inner = InProcessBus()
        try await inner.declare(.normalize)
        let bus = GatedBus(inner)
        let publisher = BundlePublisher(bus: bus, limits: .init(maxBatches: 50, maxInFlight: 1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sequence: UInt64 in 1...200 {
                group.addTask { try await publisher.publish(try self.raw(sequence, machine: "m\(sequence)").serializedBytes()) }
            }
            // The first batch's publish is held; everything else waits for the next bundle.
            while await publisher.waitingCount < 199 { await Task.yield() }
            bus.open()
            try await group.waitForAll()
        }
        let consumer = try await inner.consume(queue: FleetQueue.normalize, prefetch: 1_000)
        var bundles: [[UInt64]] = []
        while bundles.flatMap({ $0 }).count < 200 {
            let deliveries = try await consumer.nextBatch(max: 1_000, window: .zero)
            for delivery in deliveries {
                #expect(delivery.routingKey == RoutingKey.rawBundle && delivery.type == MessageType.rawBundle)
                bundles.append(try DeliveryBatches.raw(delivery).map(\.sequence))
            }
            try await consumer.ack(deliveries)
        }
        #expect(bundles.map(\.count) == [1, 50, 50, 50, 49])
        #expect(bundles.flatMap { $0 }.sorted() == Array(1...200))
        await inner.shutdown()
    }

    @Test func consumersInTheSameProcessGetTheBatchesAsTheEdgeHadThemDecoded() async throws {
        let bus = InProcessBus()
        try await bus.declare(.normalize)
        let publisher = BundlePublisher(bus: bus, limits: .init(maxInFlight: 1))
        var stamped = raw(7)
        stamped.receivedMs = 1_234
        try await publisher.publish(try stamped.serializedBytes(), decoded: stamped)
        try await publisher.publish(try raw(8).serializedBytes())  // no decoded form: the body alone travels
        let consumer = try await bus.consume(queue: FleetQueue.normalize, prefetch: 10)
        var deliveries: [Delivery] = []
        while deliveries.count < 2 { deliveries += try await consumer.nextBatch(max: 10, window: .zero) }
        #expect(deliveries[0].decoded == .raw([stamped]))
        #expect(deliveries[1].decoded == nil)
        for delivery in deliveries {
            // Taken as handed over, and the same as what decoding the body gives (what RabbitMQ's consumers do).
            var bodyOnly = delivery
            bodyOnly.decoded = nil
            #expect(try DeliveryBatches.raw(delivery) == DeliveryBatches.raw(bodyOnly))
        }
        try await consumer.ack(deliveries)
        await bus.shutdown()
    }

    @Test func metricBundlesCarryTheBatchesTheirBodiesEncode() throws {
        var bundles = MetricBundles()
        for index in 0..<50 {
            try bundles.add(.with {
                $0.machine.machineID = "machine-\(index)"
                $0.sequence = UInt64(index + 1)
                $0.samples = [.with { $0.name = "cpu.busy_ratio"; $0.value = 0.5; $0.labels = ["cpu": "0"] }]
                if index % 10 == 0 { $0.processes = .with { $0.byCpu = [.with { $0.pid = 1 }] } }
            })
        }
        for message in bundles.messages {
            guard case .metric(let carried)? = message.decoded else {
                Issue.record("\(message.routingKey) carries no decoded batches")
                continue
            }
            #expect(carried == (try DeliveryBatches.metric(delivery(message.body, type: message.type))))
        }
    }

    /// Holds the first publish until `open()`.
    final class GatedBus: MessageBus {
        let inner: InProcessBus
        private let gate = AsyncStream<Void>.makeStream()
        private let first = Mutex(true)

        init(_ inner: InProcessBus) { self.inner = inner }

        func open() { gate.continuation.finish() }

        func publish(_ messages: [OutgoingMessage]) async throws {
            if first.withLock({ first in defer { first = false }; return first }) {
                for await _ in gate.stream {}
            }
            try await inner.publish(messages)
        }

        func declare(_ topology: Topology) async throws { try await inner.declare(topology) }
        func consume(queue: String, prefetch: Int) async throws -> any MessageConsumer {
            try await inner.consume(queue: queue, prefetch: prefetch)
        }
        func purge(queue: String) async throws -> Int { try await inner.purge(queue: queue) }
        func shutdown() async { await inner.shutdown() }
    }
}
