import FleetCore
import Synchronization
import Testing

/// The one retry loop: it waits between half and all of the backoff ceiling, never spins, and stops on cancellation.
@Suite struct RetryPolicyTests {
    @Test func waitsHalfToAllOfTheCeilingGrowingWithEachFailure() {
        let low = RetryPolicy(backoff: Backoff(base: .milliseconds(100), cap: .seconds(1)), random: { 0 })
        let high = RetryPolicy(backoff: Backoff(base: .milliseconds(100), cap: .seconds(1)), random: { 0.999_999 })
        #expect(low.delay(afterFailures: 1) == .milliseconds(50))
        #expect(low.delay(afterFailures: 3) == .milliseconds(200))
        #expect(low.delay(afterFailures: 20) == .milliseconds(500), "capped, and never less than half the cap")
        #expect(high.delay(afterFailures: 2) <= .milliseconds(200) && high.delay(afterFailures: 2) > .milliseconds(199))
    }

    @Test func retriesUntilTheOperationSucceedsAndReportsEachFailure() async {
        let slept = Mutex<[Duration]>([])
        let policy = RetryPolicy(
            backoff: Backoff(base: .milliseconds(100), cap: .seconds(1)), random: { 0 },
            sleep: { delay in slept.withLock { $0.append(delay) } })
        let attempts = Mutex(0)
        var reported: [Int] = []
        let result = await policy.run({ () async throws -> String in
            let attempt = attempts.withLock { count in
                count += 1
                return count
            }
            if attempt < 4 { throw Down() }
            return "done"
        }, onFailure: { _, failures, _ in reported.append(failures) })
        #expect(result == "done")
        #expect(reported == [1, 2, 3])
        #expect(slept.withLock { $0 } == [.milliseconds(50), .milliseconds(100), .milliseconds(200)])
    }

    @Test func cancellationEndsTheLoopWithNil() async {
        let policy = RetryPolicy(random: { 0 }, sleep: { _ in })
        let task = Task { await policy.run({ () async throws -> Int in throw Down() }) }
        task.cancel()
        #expect(await task.value == nil)
    }

    struct Down: Error {}
}
