import NIOCore
import NIOEmbedded
import NIOPosix
import Synchronization
import Testing

@testable import FleetThreads

@Suite struct EventLoopTaskExecutorTests {
    /// The sleep's timer is the loop's: on a loop whose time only moves when told, an hour's sleep ends when the
    /// loop's clock has moved an hour, not before and without an hour passing (libdispatch's timer would wait it).
    @Test func aSleepEndsOnTheLoopsOwnTimer() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let woke = Flag()
        let sleeper = Task(executorPreference: EventLoopTaskExecutor(group: loop)) {
            try await Task.sleep(for: .seconds(3600))
            woke.raise()
        }
        await loop.advanceTime(by: .minutes(59))
        #expect(!woke.isRaised)
        // The sleep may have registered its timer after that advance: each further hour passes its deadline.
        for _ in 0..<10_000 where !woke.isRaised {
            await loop.advanceTime(by: .hours(1))
            await Task.yield()
        }
        #expect(woke.isRaised, "an hour's sleep did not end when the loop's clock moved on")
        sleeper.cancel()
        _ = await sleeper.result
        await loop.shutdownGracefully()
    }

    @Test func aSleepingTaskWakesOnTheEventLoopsAfterItsDelay() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let clock = ContinuousClock()
        let start = clock.now
        let wokeOnLoop = try await withTaskExecutorPreference(EventLoopTaskExecutor(group: group)) {
            try await Task.sleep(for: .milliseconds(30))
            return loop.inEventLoop
        }
        #expect(wokeOnLoop)
        #expect(clock.now - start >= .milliseconds(30))
        try await group.shutdownGracefully()
    }

    @Test(.timeLimit(.minutes(1))) func aCancelledSleepEndsAtOnce() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let sleeper = Task(executorPreference: EventLoopTaskExecutor(group: group)) {
            try await Task.sleep(for: .seconds(3600))
        }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        try await group.shutdownGracefully()
    }
}

private final class Flag: Sendable {
    private let raised = Mutex(false)
    var isRaised: Bool { raised.withLock { $0 } }
    func raise() { raised.withLock { $0 = true } }
}
