/// A circuit breaker as a pure value: closed while calls succeed; open after `failureThreshold`
/// consecutive failures, refusing calls for `openDuration`; then half-open, letting one trial through
/// whose outcome closes or re-opens it. Time is passed in, so tests use a fake clock.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case closed(failures: Int)
        case open(until: ContinuousClock.Instant)
        case halfOpen
    }

    public private(set) var state: State = .closed(failures: 0)
    public let failureThreshold: Int
    public let openDuration: Duration

    public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(30)) {
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
    }

    /// Whether a call may be attempted now; moves open → half-open once the open period is over.
    public mutating func allowsCall(now: ContinuousClock.Instant) -> Bool {
        switch state {
        case .closed, .halfOpen:
            return true
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen
            return true
        }
    }

    public mutating func recordSuccess() {
        state = .closed(failures: 0)
    }

    public mutating func recordFailure(now: ContinuousClock.Instant) {
        switch state {
        case .closed(let failures) where failures + 1 < failureThreshold:
            state = .closed(failures: failures + 1)
        case .closed, .halfOpen, .open:
            state = .open(until: now + openDuration)
        }
    }

    public var isOpen: Bool {
        if case .open = state { return true }
        return false
    }
}
