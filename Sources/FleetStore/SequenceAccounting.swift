/// Which batch sequence numbers of one machine were persisted: with sequences starting at 1 and
/// growing by one, `missing == 0` proves nothing was lost and the primary key proves nothing doubled.
public struct SequenceAccounting: Sendable, Equatable {
    /// Distinct sequences persisted.
    public var count: Int
    public var lowest: UInt64?
    public var highest: UInt64?

    /// Sequences between lowest and highest never persisted.
    public var missing: Int {
        guard let lowest, let highest else { return 0 }
        return Int(highest - lowest + 1) - count
    }

    public init(count: Int, lowest: UInt64?, highest: UInt64?) {
        self.count = count
        self.lowest = lowest
        self.highest = highest
    }
}
