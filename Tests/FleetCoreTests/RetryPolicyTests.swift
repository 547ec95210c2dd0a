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

    // MARK: - run(attempts:)

    @Test func attemptsEndWithTheLastErrorAfterWaitingTheWholeCeilingBetweenThem() async {
        let slept = Mutex<[Duration]>([])
        let policy = RetryPolicy(
            backoff: Backoff(base: .milliseconds(100), cap: .seconds(1)), random: { 1 },
            sleep: { delay in slept.withLock { $0.append(delay) } })
        var calls = 0
        var reported: [Int] = []
        let result = await policy.run(attempts: 3, { () async throws -> Int in
            calls += 1
            throw Down(number: calls)
        }, onFailure: { _, failures, _ in reported.append(failures) })

        #expect(calls == 3)
        #expect(reported == [1, 2], "told only of the failures another attempt follows")
        #expect(slept.withLock { $0 } == [.milliseconds(100), .milliseconds(200)])
        #expect(throws: Down(number: 3)) { try result.get() }
    }

    @Test func attemptsStopAtTheFirstSuccess() async throws {
        let policy = RetryPolicy(random: { 0 }, sleep: { _ in })
        var calls = 0
        let result = await policy.run(attempts: 5) { () async throws -> String in
            calls += 1
            if calls < 2 { throw Down(number: calls) }
            return "sent"
        }
        #expect(calls == 2)
        #expect(try result.get() == "sent")
    }

    @Test(arguments: [0, 1, -3])
    func fewerThanOneAttemptStillMakesOne(attempts: Int) async {
        let policy = RetryPolicy(random: { 0 }, sleep: { _ in Issue.record("no wait after the last attempt") })
        var calls = 0
        let result = await policy.run(attempts: attempts) { () async throws -> Int in
            calls += 1
            throw Down(number: calls)
        }
        #expect(calls == 1)
        #expect(throws: Down(number: 1)) { try result.get() }
    }

    @Test func cancellationDuringTheWaitEndsTheAttemptsWithTheLastError() async {
        let policy = RetryPolicy(random: { 0 }, sleep: { _ in Self.cancelCurrentTask() })
        let calls = Mutex(0)
        let result = await Task {
            await policy.run(attempts: 5) { () async throws -> Int in
                let call = calls.withLock { count in
                    count += 1
                    return count
                }
                throw Down(number: call)
            }
        }.value
        #expect(calls.withLock { $0 } == 1)
        #expect(throws: Down(number: 1)) { try result.get() }
    }

    // MARK: - keepRunning

    /// What a scripted pass does.
    enum Step {
        case fail
        case succeed
        case progressThenFail
        case stop
    }

    @Test func keepRunningCountsConsecutiveFailuresAndStartsAgainAfterAPassThatGotThrough() async {
        let slept = Mutex<[Duration]>([])
        let policy = RetryPolicy(
            backoff: Backoff(base: .milliseconds(100), cap: .seconds(1)), random: { 0 },
            sleep: { delay in slept.withLock { $0.append(delay) } })
        var script: [Step] = [.fail, .fail, .succeed, .fail, .progressThenFail, .fail, .stop]
        var passes = 0
        var reported: [Int] = []
        await policy.keepRunning({ progressed in
            passes += 1
            switch script.removeFirst() {
            case .fail:
                throw Down(number: passes)
            case .succeed:
                return .again
            case .progressThenFail:
                progressed()
                throw Down(number: passes)
            case .stop:
                return .stop
            }
        }, onFailure: { _, failures, _ in reported.append(failures) })

        #expect(passes == 7 && script.isEmpty)
        #expect(reported == [1, 2, 1, 1, 2])
        #expect(
            slept.withLock { $0 }
                == [.milliseconds(50), .milliseconds(100), .milliseconds(50), .milliseconds(50), .milliseconds(100)])
    }

    @Test func keepRunningRunsPassesUntilOneSaysStop() async {
        let policy = RetryPolicy(random: { 0 }, sleep: { _ in Issue.record("no wait without a failure") })
        var passes = 0
        await policy.keepRunning {
            passes += 1
            return passes == 5 ? .stop : .again
        }
        #expect(passes == 5)
    }

    @Test func keepRunningStopsWhenCancelledDuringTheWait() async {
        let policy = RetryPolicy(random: { 0 }, sleep: { _ in Self.cancelCurrentTask() })
        let passes = Mutex(0)
        let reported = Mutex(0)
        await Task {
            await policy.keepRunning({ () async throws -> RetryPolicy.Next in
                passes.withLock { $0 += 1 }
                throw Down(number: 0)
            }, onFailure: { _, _, _ in reported.withLock { $0 += 1 } })
        }.value
        #expect(passes.withLock { $0 } == 1)
        #expect(reported.withLock { $0 } == 1)
    }

    @Test func keepRunningStopsAtACancellationErrorWithoutCountingIt() async {
        let policy = RetryPolicy(random: { 0 }, sleep: { _ in Issue.record("no wait after a cancellation") })
        var passes = 0
        await policy.keepRunning({ () async throws -> RetryPolicy.Next in
            passes += 1
            throw CancellationError()
        }, onFailure: { _, _, _ in Issue.record("a cancellation is not a failure") })
        #expect(passes == 1)
    }

    @Test func keepRunningMakesNoPassOnceCancelledAndTellsNothingOfAFailureThatMeetsACancellation() async {
        let policy = RetryPolicy(random: { 0 }, sleep: { _ in Issue.record("no wait once cancelled") })
        let passes = Mutex(0)
        await Task {
            Self.cancelCurrentTask()
            await policy.keepRunning({ () async throws -> RetryPolicy.Next in
                passes.withLock { $0 += 1 }
                return .again
            })
        }.value
        #expect(passes.withLock { $0 } == 0)

        // A pass that fails because the task was cancelled meanwhile (a consumer closed at shutdown) ends the loop quietly.
        let failing = Mutex(0)
        await Task {
            await policy.keepRunning({ () async throws -> RetryPolicy.Next in
                failing.withLock { $0 += 1 }
                Self.cancelCurrentTask()
                throw Down(number: 1)
            }, onFailure: { _, _, _ in Issue.record("no failure reported while stopping") })
        }.value
        #expect(failing.withLock { $0 } == 1)
    }

    /// Cancels the task that calls it: a deterministic stand-in for a shutdown arriving at that moment.
    static func cancelCurrentTask() {
        withUnsafeCurrentTask { $0?.cancel() }
    }

    struct Down: Error, Equatable {
        var number = 0
    }
}
