/// Who shares the alert partitions: the evaluator replicas heard from (heartbeats on fleet.events) within
/// `ttlMs`, and which of them each partition belongs to. Single-active-consumer queues keep a partition with
/// whichever replica subscribed first; replicas use this to hand the partitions they should not own to the
/// replica that should, so the work spreads evenly and stays deterministic.
public struct EvaluatorMembership: Sendable {
    public let me: String
    public let ttlMs: Int64
    private var lastHeard: [String: Int64] = [:]

    public init(me: String, ttlMs: Int64 = 7_000) {
        self.me = me
        self.ttlMs = ttlMs
    }

    public mutating func heard(_ member: String, atMs: Int64) {
        lastHeard[member] = max(lastHeard[member] ?? .min, atMs)
    }

    /// The live replicas, this one included, sorted: the same list on every replica that hears the same.
    public mutating func live(nowMs: Int64) -> [String] {
        lastHeard = lastHeard.filter { $0.value >= nowMs - ttlMs }
        return Set(lastHeard.keys).union([me]).sorted()
    }

    /// The replica `partition` belongs to among `members` (sorted): round robin, so N replicas own
    /// ⌈P/N⌉ or ⌊P/N⌋ partitions each.
    public static func owner(of partition: Int, among members: [String]) -> String? {
        members.isEmpty ? nil : members[partition % members.count]
    }
}
