import FleetCore
import Testing

@Suite struct DeliveryRetryTests {
    let start = ContinuousClock.now

    @Test func failuresGrowTheWaitUntilTheBreakerOpensAndAnAckResetsBoth() {
        var retry = DeliveryRetry(
            backoff: Backoff(base: .milliseconds(200), cap: .seconds(30)),
            breaker: CircuitBreaker(failureThreshold: 5, openDuration: .seconds(30)))
        // Each attempt (say, a stream the edge accepted and then answered UNAVAILABLE) fails: nothing resets.
        var waits: [Duration] = []
        for _ in 0..<4 {
            #expect(retry.blockedUntil(now: start) == nil)
            waits.append(retry.recordFailure(now: start, unit: 1))
        }
        #expect(waits == [200, 400, 800, 1600].map { Duration.milliseconds($0) })
        // The fifth opens the breaker: the rest of the open period plus the jittered backoff.
        let opened = retry.recordFailure(now: start, unit: 0.5)
        #expect(opened == .seconds(30) + .milliseconds(1600))
        #expect(retry.breaker.isOpen)
        #expect(retry.blockedUntil(now: start + .seconds(29)) == start + .seconds(30))
        // The half-open trial fails: open again, the backoff part still growing.
        #expect(retry.blockedUntil(now: start + opened) == nil)
        #expect(retry.recordFailure(now: start + opened, unit: 0.5) == .seconds(30) + .milliseconds(3200))
        #expect(retry.consecutiveFailures == 6)

        retry.recordDelivery()
        #expect(retry.consecutiveFailures == 0)
        #expect(retry.breaker.state == .closed(failures: 0))
        #expect(retry.recordFailure(now: start, unit: 0.5) == .milliseconds(100))
    }

    /// A thousand collectors that lost the edge at the same instant do not come back at the same instant:
    /// their attempts after the breaker opened spread over the jitter window.
    @Test func aFleetThatFailedTogetherDoesNotRetryTogether() {
        var random = SplitMix(seed: 12)
        var arrivals: [Duration] = []
        for _ in 0..<1_000 {
            var retry = DeliveryRetry()
            var elapsed = Duration.zero
            // Ten failed attempts: through the closed phase, the breaker opening and several half-open trials.
            for _ in 0..<10 {
                _ = retry.blockedUntil(now: start + elapsed)
                elapsed += retry.recordFailure(now: start + elapsed, unit: random.unit())
            }
            arrivals.append(elapsed)
        }
        // Attempts per one-second slot at the edge: full jitter over up to 30 s keeps every slot small.
        var perSecond: [Int64: Int] = [:]
        for arrival in arrivals { perSecond[arrival.components.seconds, default: 0] += 1 }
        let busiest = perSecond.values.max() ?? 0
        #expect(busiest < 100, "\(busiest) of 1,000 collectors retry in the same second")
        #expect(perSecond.count > 50)
    }
}

/// A small deterministic generator for the jitter draws.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
