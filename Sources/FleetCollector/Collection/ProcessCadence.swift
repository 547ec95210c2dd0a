/// When a tick carries the top-process lists. Ranking processes reads /proc/<pid>/stat of every process on the
/// machine, about a third of a 1 s tick's CPU, while a person reading a process table needs it every few
/// seconds, not every second: so the lists go out at most every `interval` (the first tick always has them),
/// and at once when the edge asks for a snapshot. At an interval at least as long as the tick's, every tick
/// carries them. CPU % is still exact: it is measured over the time since the previous list.
public struct ProcessCadence: Sendable {
    public let interval: Duration
    private var lastMonotonicNanos: UInt64?

    public init(interval: Duration) {
        self.interval = interval
    }

    /// Whether the tick at `now` samples processes (`requested`: the edge asked for a snapshot); when it does,
    /// the next list is due `interval` later.
    public mutating func due(at now: TickTime, requested: Bool) -> Bool {
        let intervalNanos = interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000
        // A tenth of a second of slack: a tick a few milliseconds early must not push the list a whole tick later.
        let slackNanos: Int64 = 100_000_000
        guard requested || lastMonotonicNanos == nil
            || Int64(bitPattern: now.monotonicNanos &- lastMonotonicNanos!) >= intervalNanos - slackNanos
        else { return false }
        lastMonotonicNanos = now.monotonicNanos
        return true
    }
}
