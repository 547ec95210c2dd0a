import ServiceLifecycle

/// Like `WorkerService`, but on SIGTERM it first waits for `drained` (its input queue empty and settled) and
/// only then cancels the loop: for consumers in one process with their producer (the hub), whose queues live in
/// memory and would be lost otherwise. Services are stopped in reverse order, so the producer is gone by then.
public struct DrainingWorkerService: Service {
    private let work: @Sendable () async throws -> Void
    private let drained: @Sendable () async -> Void

    public init(
        drained: @escaping @Sendable () async -> Void, _ work: @escaping @Sendable () async throws -> Void
    ) {
        self.work = work
        self.drained = drained
    }

    public func run() async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await work() }
                group.addTask {
                    try await gracefulShutdown()
                    await drained()
                }
                try await group.next()
                group.cancelAll()
            }
        } catch is CancellationError {
            // Cancelled by the shutdown itself: a clean stop.
        }
    }
}
