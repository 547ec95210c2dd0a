import FleetCore
import Testing

@Suite struct BackoffTests {
    @Test func growsExponentiallyUpToTheCap() {
        let backoff = Backoff(base: .milliseconds(100), cap: .seconds(1))
        #expect(backoff.ceiling(attempt: 0) == .milliseconds(100))
        #expect(backoff.ceiling(attempt: 3) == .milliseconds(800))
        #expect(backoff.ceiling(attempt: 4) == .seconds(1))
        #expect(backoff.ceiling(attempt: 1000) == .seconds(1))
    }

    @Test func jitterStaysWithinTheCeiling() {
        let backoff = Backoff(base: .milliseconds(100), cap: .seconds(1))
        #expect(backoff.delay(attempt: 2, unit: 0) == .zero)
        #expect(backoff.delay(attempt: 2, unit: 0.5) == .milliseconds(200))
        #expect(backoff.delay(attempt: 2, unit: 7) == .milliseconds(400))
    }
}

@Suite struct CircuitBreakerTests {
    let start = ContinuousClock.now

    @Test func opensAfterThresholdAndHalfOpensAfterTheWait() {
        var breaker = CircuitBreaker(failureThreshold: 3, openDuration: .seconds(10))
        for _ in 0..<2 { breaker.recordFailure(now: start) }
        let allowedBeforeThreshold = breaker.allowsCall(now: start)
        #expect(allowedBeforeThreshold)
        breaker.recordFailure(now: start)
        #expect(breaker.isOpen)
        let allowedWhileOpen = breaker.allowsCall(now: start + .seconds(9))
        #expect(!allowedWhileOpen)
        let allowedAfterWait = breaker.allowsCall(now: start + .seconds(10))
        #expect(allowedAfterWait)
        #expect(breaker.state == .halfOpen)
    }

    @Test func halfOpenTrialDecides() {
        var breaker = CircuitBreaker(failureThreshold: 1, openDuration: .seconds(1))
        breaker.recordFailure(now: start)
        _ = breaker.allowsCall(now: start + .seconds(2))
        breaker.recordFailure(now: start + .seconds(2))
        #expect(breaker.state == .open(until: start + .seconds(3)))
        _ = breaker.allowsCall(now: start + .seconds(3))
        breaker.recordSuccess()
        #expect(breaker.state == .closed(failures: 0))
    }
}
