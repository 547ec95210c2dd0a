/// When the next tick is due. Ticks sit on a fixed grid (start + k·interval), so the time a tick
/// takes does not make the schedule drift; after a stall longer than one interval (suspend, overload)
/// the missed ticks are skipped and the grid restarts at the current time instead of bursting.
public struct TickSchedule<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The deadline of the most recent tick.
    public private(set) var lastDeadline: Instant

    public init(firstDeadline: Instant) {
        lastDeadline = firstDeadline
    }

    /// The deadline after the last tick for `interval`, given the current time.
    public func nextDeadline(interval: Duration, now: Instant) -> Instant {
        let next = lastDeadline.advanced(by: interval)
        return next.duration(to: now) > interval ? now : next
    }

    /// Records that the tick due at `deadline` ran.
    public mutating func ticked(at deadline: Instant) {
        lastDeadline = deadline
    }
}
