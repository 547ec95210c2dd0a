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

    /// Sleeps until the next tick is due on `clock` and records it; false once the task is cancelled. It sleeps in
    /// steps of at most a second and reads `interval()` before each, so an interval changed meanwhile (the edge's
    /// command) applies without waiting out the old one.
    public mutating func waitForNextTick<C: Clock>(
        on clock: C, interval: () -> Duration
    ) async -> Bool where C.Instant == Instant {
        while !Task.isCancelled {
            let now = clock.now
            let deadline = nextDeadline(interval: interval(), now: now)
            if now >= deadline {
                ticked(at: deadline)
                return true
            }
            let step = now.advanced(by: .seconds(1))
            do {
                try await clock.sleep(until: step < deadline ? step : deadline, tolerance: nil)
            } catch {
                return false
            }
        }
        return false
    }
}
