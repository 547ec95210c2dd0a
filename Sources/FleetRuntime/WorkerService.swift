import ServiceLifecycle

/// Runs a consumer loop as a lifecycle service: on SIGTERM the loop's task is cancelled, and the
/// loop finishes the batch in flight (effect written, deliveries settled) before it returns.
public struct WorkerService: Service {
    private let work: @Sendable () async throws -> Void

    public init(_ work: @escaping @Sendable () async throws -> Void) {
        self.work = work
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await work()
            }
        } catch is CancellationError {
            // Cancelled by the graceful shutdown itself: a clean stop, not a failure of the group.
        }
    }
}
