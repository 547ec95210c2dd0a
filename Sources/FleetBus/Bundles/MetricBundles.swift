import FleetCore
import FleetProto

/// The normalizer's output, gathered by `MetricSlot` and `MetricGroup`: each group of a slot goes out as one
/// `MetricBundle` (several past `BundlePublisher.Limits`) keyed `metrics.s<slot>.<group>`. The process snapshot
/// of a batch travels in a bundle of its own group, as it did as a message of its own (DESIGN.md).
public struct MetricBundles: Sendable {
    private var bodies: [Key: [BundleBody]] = [:]
    private let limits: BundlePublisher.Limits
    /// Batches added so far.
    public private(set) var count = 0

    private struct Key: Hashable, Comparable {
        var slot: MetricSlot
        var group: MetricGroup

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.slot.index, lhs.group.rawValue) < (rhs.slot.index, rhs.group.rawValue)
        }
    }

    public init(limits: BundlePublisher.Limits = BundlePublisher.Limits()) {
        self.limits = limits
    }

    /// Adds a canonical batch: its samples (always, so every sequence is accounted for) and, when present,
    /// its process snapshot.
    public mutating func add(_ batch: Fleetwatch_V1_MetricBatch) throws {
        let slot = MetricSlot.of(machine: batch.machine.machineID)
        var samples = batch
        samples.clearProcesses()
        append(try samples.serializedBytes(), to: Key(slot: slot, group: .samples))
        if batch.hasProcesses {
            var processes = batch
            processes.samples = []
            append(try processes.serializedBytes(), to: Key(slot: slot, group: .processes))
        }
        count += 1
    }

    private mutating func append(_ element: [UInt8], to key: Key) {
        if bodies[key]?.last?.canTake(element, within: limits) != true { bodies[key, default: []].append(BundleBody()) }
        // Mutated in place (no copy of the bytes gathered so far).
        bodies[key, default: []][bodies[key, default: []].count - 1].append(element)
    }

    /// The messages to publish on fleet.metrics, in slot order.
    public var messages: [OutgoingMessage] {
        bodies.keys.sorted().flatMap { key in
            bodies[key, default: []].map {
                OutgoingMessage(
                    exchange: FleetExchange.metrics, routingKey: RoutingKey.metrics(slot: key.slot, group: key.group),
                    body: $0.bytes, type: MessageType.metricBundle)
            }
        }
    }
}
