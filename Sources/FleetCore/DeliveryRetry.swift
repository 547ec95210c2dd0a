/// When a sender may try again, driven by what became of what it sent rather than by whether a
/// connection could be set up: an edge that accepts a stream and then answers UNAVAILABLE for every batch
/// (its broker is down) is failing, and must be backed off from like an edge that refuses connections.
///
/// - Only an acknowledged delivery counts as a success: it closes the breaker and restarts the backoff.
/// - Every attempt that ends without one (stream refused, batch answered UNAVAILABLE, stream closed, or no ack in
///   time) is a failure: the wait grows exponentially with full jitter (`Backoff`), and after the breaker's
///   threshold the breaker opens. While it is open the wait is the rest of the open period **plus** the jittered
///   backoff, so a fleet that failed at the same moment does not come back at the same moment either.
///
/// A pure value: time and randomness are passed in, so tests use a fake clock and fixed draws.
public struct DeliveryRetry: Sendable {
    public let backoff: Backoff
    public private(set) var breaker: CircuitBreaker
    /// Failed attempts since the last acknowledged delivery.
    public private(set) var consecutiveFailures = 0

    public init(backoff: Backoff = Backoff(), breaker: CircuitBreaker = CircuitBreaker()) {
        self.backoff = backoff
        self.breaker = breaker
    }

    /// Nil when an attempt may start at `now` (an open breaker whose period is over turns half-open and lets
    /// this one trial through); otherwise the instant the breaker stays open until.
    public mutating func blockedUntil(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        if breaker.allowsCall(now: now) { return nil }
        if case .open(let until) = breaker.state { return until }
        return nil
    }

    /// The receiver acknowledged a delivery: the whole path works again.
    public mutating func recordDelivery() {
        breaker.recordSuccess()
        consecutiveFailures = 0
    }

    /// An attempt ended without an acknowledged delivery. Returns how long to wait before the next one;
    /// `unit` is a random value in [0, 1) for the jitter.
    public mutating func recordFailure(now: ContinuousClock.Instant, unit: Double) -> Duration {
        breaker.recordFailure(now: now)
        let jittered = backoff.delay(attempt: consecutiveFailures, unit: unit)
        consecutiveFailures += 1
        guard case .open(let until) = breaker.state else { return jittered }
        return max(.zero, until - now) + jittered
    }
}
