import FleetCore
import FleetProto

/// The normalizer's output, gathered by `MetricSlot` and `MetricGroup`: each group of a slot goes out as one
/// `MetricBundle` (several past `BundlePublisher.Limits`) keyed `metrics.s<slot>.<group>`. The process snapshot
/// of a batch travels in a bundle of its own group, as it did as a message of its own (DESIGN.md).
public struct MetricBundles: Sendable {
    private var bundles: [Key: [Bundle]] = [:]
    private let limits: BundlePublisher.Limits
    /// Batches added so far.
    public private(set) var count = 0

    /// One message being gathered: its body and the batches it encodes (`DecodedBatches`).
    private struct Bundle {
        var body = BundleBody()
        var batches: [Fleetwatch_V1_MetricBatch] = []
    }

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
        append(samples, encoded: try samples.serializedBytes(), to: Key(slot: slot, group: .samples))
        if batch.hasProcesses {
            var processes = batch
            processes.samples = []
            append(processes, encoded: try processes.serializedBytes(), to: Key(slot: slot, group: .processes))
        }
        count += 1
    }

    private mutating func append(_ batch: Fleetwatch_V1_MetricBatch, encoded element: [UInt8], to key: Key) {
        if bundles[key]?.last?.body.canTake(element, within: limits) != true { bundles[key, default: []].append(Bundle()) }
        // Mutated in place (no copy of the bytes gathered so far).
        let last = bundles[key, default: []].count - 1
        bundles[key, default: []][last].body.append(element)
        bundles[key, default: []][last].batches.append(batch)
    }

    /// The messages to publish on fleet.metrics, in slot order.
    public var messages: [OutgoingMessage] {
        bundles.keys.sorted().flatMap { key in
            bundles[key, default: []].map {
                OutgoingMessage(
                    exchange: FleetExchange.metrics, routingKey: RoutingKey.metrics(slot: key.slot, group: key.group),
                    body: $0.body.bytes, type: MessageType.metricBundle, decoded: .metric($0.batches))
            }
        }
    }
}
