/// Which of a fixed number of slots a machine belongs to on fleet.metrics. The normalizer bundles the batches
/// of one slot into one message, keyed by the slot, so anything that partitions by routing key (the alert
/// evaluator's consistent hash) keeps every machine on one partition while the broker carries far fewer
/// messages. The slot of a machine never changes: FNV-1a of its id, modulo `count`.
public struct MetricSlot: Sendable, Hashable, Comparable {
    /// Enough slots to spread machines over any sensible number of alert partitions, few enough that a
    /// slot's bundle holds many batches.
    public static let count = 32

    public let index: Int

    public init(index: Int) {
        precondition((0..<Self.count).contains(index), "slot \(index) outside 0..<\(Self.count)")
        self.index = index
    }

    public static func of(machine: String) -> MetricSlot {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in machine.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return MetricSlot(index: Int(hash % UInt64(count)))
    }

    public static func < (lhs: MetricSlot, rhs: MetricSlot) -> Bool { lhs.index < rhs.index }
}
