import NIOCore

/// The monotonic clock of `ContinuousClock` whose sleeps are timers of one NIO event loop.
///
/// With the agent's tasks on that loop (`EventLoopTaskExecutor`), the wait between two ticks ends on the loop's
/// own thread, instead of on a dispatch timer thread that wakes a concurrency-pool thread that hands the task
/// back to the loop.
public struct EventLoopClock: Clock {
    public typealias Instant = ContinuousClock.Instant

    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public var now: Instant { ContinuousClock.now }

    public var minimumResolution: Duration { ContinuousClock().minimumResolution }

    /// Sleeps until `deadline`; throws `CancellationError` when the task is cancelled meanwhile.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let delay = ContinuousClock.now.duration(to: deadline)
        guard delay > .zero else { return try Task.checkCancellation() }
        let timer = eventLoop.scheduleTask(in: TimeAmount(delay)) {}  // NIO's conversion clamps what overflows
        do {
            try await withTaskCancellationHandler {
                try await timer.futureResult.get()
            } onCancel: {
                timer.cancel()
            }
        } catch EventLoopError.cancelled {
            throw CancellationError()
        }
    }
}
