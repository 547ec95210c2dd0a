import Synchronization

/// Runs the store's maintenance passes (rollup, retention) one after another, in call order.
///
/// A rollup pass claims a bucket, reads it in a snapshot and writes the result in later transactions; two
/// passes over the same bucket could let the older snapshot win, and retention deleting raw ticks while a
/// pass reads them would undercount a bucket. Only the hub's process writes an SQLite store, so ordering the
/// passes within it is enough (PostgreSQL needs an advisory lock instead).
final class SQLiteSerialPasses: Sendable {
    private let tail = Mutex<Task<Void, Never>?>(nil)

    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = tail.withLock { tail in
            let previous = tail
            let task = Task<T, any Error> {
                await previous?.value
                return try await body()
            }
            tail = Task { _ = try? await task.value }
            return task
        }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
