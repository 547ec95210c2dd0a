/// Exponential backoff with full jitter: attempt n waits a random duration in [0, min(cap, base·2ⁿ)].
/// Randomness is injected so tests are deterministic.
public struct Backoff: Sendable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .milliseconds(200), cap: Duration = .seconds(30)) {
        self.base = base
        self.cap = cap
    }

    /// The delay before retry number `attempt` (0 = first retry). `unit` is a random value in [0, 1).
    public func delay(attempt: Int, unit: Double) -> Duration {
        let ceiling = self.ceiling(attempt: attempt)
        return ceiling * max(0, min(unit, 1))
    }

    /// The largest delay attempt `attempt` may wait.
    public func ceiling(attempt: Int) -> Duration {
        let exponent = min(max(attempt, 0), 30)
        let grown = base * (1 << exponent)
        return grown > cap ? cap : grown
    }
}
