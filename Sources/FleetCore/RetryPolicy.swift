/// How every loop of the pipeline retries what fails while a dependency is down (the broker, the database, a
/// peer): the consumers' receive and publish loops, the evaluator's writes, resubscribing, waiting for a
/// dependency at start. Between attempts it waits between half and all of an exponential `Backoff` ceiling, so
/// a failing dependency is never spun on and replicas that failed together spread out. Randomness and sleeping
/// are injected, so tests run without waiting.
public struct RetryPolicy: Sendable {
    public var backoff: Backoff
    private let random: @Sendable () -> Double
    private let sleep: @Sendable (Duration) async -> Void

    /// - Parameters:
    ///   - random: a value in [0, 1).
    ///   - sleep: waits; returns early (without throwing) when the task is cancelled.
    public init(
        backoff: Backoff = Backoff(cap: .seconds(10)),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.backoff = backoff
        self.random = random
        self.sleep = sleep
    }

    /// The wait after `failures` consecutive failures (1 = the first one).
    public func delay(afterFailures failures: Int) -> Duration {
        backoff.delay(attempt: failures - 1, unit: 0.5 + max(0, min(random(), 1)) / 2)
    }

    /// Waits `delay`; false when the task was cancelled before or during the wait.
    public func wait(_ delay: Duration) async -> Bool {
        guard !Task.isCancelled else { return false }
        await sleep(delay)
        return !Task.isCancelled
    }

    /// Runs `operation` until it succeeds, telling `onFailure` of each failure (with the count so far and the wait
    /// that follows) before waiting. The first attempt is always made, even by a cancelled task (a consumer that
    /// is stopping still finishes the work in its hands); after a failure, cancellation ends the loop with nil, as
    /// does a `CancellationError`.
    public func run<T>(
        _ operation: () async throws -> T,
        onFailure: (_ error: any Error, _ failures: Int, _ delay: Duration) -> Void = { _, _, _ in }
    ) async -> T? {
        var failures = 0
        while true {
            do {
                return try await operation()
            } catch is CancellationError {
                return nil
            } catch {
                if Task.isCancelled { return nil }
                failures += 1
                let delay = delay(afterFailures: failures)
                onFailure(error, failures, delay)
                guard await wait(delay) else { return nil }
            }
        }
    }
}
