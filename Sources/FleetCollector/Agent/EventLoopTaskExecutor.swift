import NIOCore

/// A task executor that runs Swift tasks on one NIO event loop thread.
///
/// The standalone agent prefers it for all of its work (`CollectorAgent.run(on:)`): the tick, the outbox and the
/// uploader then share the thread that carries the gRPC connection, so a batch goes from /proc to the socket, and
/// its ack back to the outbox, without waking a thread of the concurrency pool for each hop. Whatever blocks on
/// it (a tick's reads, the outbox's fsyncs) delays that connection's I/O by as much, which an agent with one
/// connection can afford.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
