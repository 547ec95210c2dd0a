// Swift 6.3 exposes the protocols for a custom default executor (and the timers of `Task.sleep`) as SPI only.
@_spi(ExperimentalScheduling) @_spi(ExperimentalCustomExecutors) import _Concurrency
import NIOCore
import NIOPosix

/// Runs Swift tasks on the threads of an `EventLoopGroup`, and their timers too: a job goes to the loop the caller
/// is on (or the group's next), and a job due at an instant (the wake-up of `Task.sleep`, of `clock.sleep`, of an
/// `AsyncTimerSequence`) is a task scheduled on a loop's own timer. With it as the process's default executor
/// (`TaskThreads`) nothing of Swift's concurrency runs on libdispatch's pool, whose worker count follows the load.
///
/// The standalone agent's tasks prefer one over its one-loop group (`AgentFootprint`): the tick, the outbox, the
/// uploader and the wait between ticks then share the thread that carries the gRPC connection.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// Over NIO's singleton group, the one that carries the process's sockets.
    public static let singleton = EventLoopTaskExecutor(group: MultiThreadedEventLoopGroup.singleton)

    private let group: any EventLoopGroup

    public init(group: any EventLoopGroup) {
        self.group = group
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        self.group.any().enqueue(job)
    }
}

// Swift finds the timers' executor by a dynamic cast to this protocol, which Swift 6.3 keeps SPI.
@_spi(ExperimentalScheduling) extension EventLoopTaskExecutor: SchedulingExecutor {
    @_spi(ExperimentalScheduling) public func enqueue<C: Clock>(
        _ job: consuming ExecutorJob, at instant: C.Instant, tolerance: C.Duration?, clock: C
    ) {
        guard let delay = clock.now.duration(to: instant) as? Duration else {
            // A clock whose durations are not `Duration` (none of the standard ones): Swift's own executor keeps its
            // timer.
            if let platform = PlatformExecutorFactory.defaultExecutor as? any SchedulingExecutor {
                platform.enqueue(job, at: instant, tolerance: tolerance, clock: clock)
            } else {
                self.enqueue(job)
            }
            return
        }
        let loop = self.group.any()
        let job = UnownedJob(job)
        loop.scheduleTask(in: TimeAmount(delay)) {  // clamped to Int64 nanoseconds; a past instant is due now
            job.runSynchronously(on: loop.executor.asUnownedSerialExecutor())
        }
    }
}

/// The factory `_createExecutors` installs: tasks on the event loops, the main actor where Swift puts it.
struct EventLoopExecutorFactory: ExecutorFactory {
    static var mainExecutor: any MainExecutor { PlatformExecutorFactory.mainExecutor }
    static var defaultExecutor: any TaskExecutor { EventLoopTaskExecutor.singleton }
}
