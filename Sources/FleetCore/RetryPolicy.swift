/// The one retry loop of Fleetwatch: how everything that depends on something that can be down (the broker, the
/// database, a peer, a webhook) tries again. Three shapes share one backoff:
/// - `run(_:onFailure:)`: one operation until it succeeds — a held round's publish or write, seeding the live view;
/// - `run(attempts:_:onFailure:)`: one operation at most so many times — a notification to one destination;
/// - `keepRunning(_:onFailure:)`: a consumer's loop, pass after pass until a pass says stop or the task is cancelled;
///   the failure count starts again after a pass that succeeded (or that said it got through, `progressed`).
///
/// Between attempts it waits between half and all of an exponential `Backoff` ceiling (`random` picks where; a
/// `random` of `{ 1 }` always waits the whole ceiling), so a failing dependency is never spun on and replicas that
/// failed together spread out. Randomness and sleeping are injected, so tests run without waiting.
public struct RetryPolicy: Sendable {
    /// What a pass of `keepRunning` asks for next.
    public enum Next: Sendable, Equatable {
        /// Run another pass (at once: a pass that returns succeeded).
        case again
        /// End the loop (the source closed, or the work is done).
        case stop
    }

    public var backoff: Backoff
    private let random: @Sendable () -> Double
    private let sleep: @Sendable (Duration) async -> Void

    /// - Parameters:
    ///   - random: a value in [0, 1]; where between half and all of the ceiling a wait falls.
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
    /// does a `CancellationError`, without telling `onFailure`.
    public func run<T>(
        _ operation: () async throws -> T,
        onFailure: (_ error: any Error, _ failures: Int, _ delay: Duration) -> Void = { _, _, _ in }
    ) async -> T? {
        try? await run(attempts: .max, operation, onFailure: onFailure).get()
    }

    /// Runs `operation` until it succeeds, at most `attempts` times (at least once), telling `onFailure` of each
    /// failure that another attempt follows (with the count so far and the wait before it). The result is the
    /// operation's value, or the error of the last attempt made: after `attempts` failures, after a failure when
    /// the task is cancelled (during the wait, too), or a `CancellationError` at once.
    public func run<T>(
        attempts: Int, _ operation: () async throws -> T,
        onFailure: (_ error: any Error, _ failures: Int, _ delay: Duration) -> Void = { _, _, _ in }
    ) async -> Result<T, any Error> {
        var failures = 0
        while true {
            do {
                return .success(try await operation())
            } catch is CancellationError {
                return .failure(CancellationError())
            } catch {
                failures += 1
                if Task.isCancelled || failures >= attempts { return .failure(error) }
                let delay = delay(afterFailures: failures)
                onFailure(error, failures, delay)
                guard await wait(delay) else { return .failure(error) }
            }
        }
    }

    /// Runs `pass` again and again — a consumer's receive-and-handle step, a subscription followed until it breaks
    /// — until it returns `.stop`, throws a `CancellationError`, or the task is cancelled (checked before every
    /// pass, and after a failure before `onFailure` is told). A pass that throws anything else is a failure:
    /// `onFailure` is told (with the consecutive failures so far and the wait that follows), then the loop waits and
    /// runs the next pass. A pass that returns, or calls `progressed` (a subscription that was made, before
    /// following it), resets the count, so the next failure waits the shortest time again.
    public func keepRunning(
        _ pass: (_ progressed: () -> Void) async throws -> Next,
        onFailure: (_ error: any Error, _ failures: Int, _ delay: Duration) -> Void = { _, _, _ in }
    ) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let next = try await pass { failures = 0 }
                failures = 0
                if next == .stop { return }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let delay = delay(afterFailures: failures)
                onFailure(error, failures, delay)
                guard await wait(delay) else { return }
            }
        }
    }

    /// `keepRunning(_:onFailure:)` for a pass that has no progress to report before it returns.
    public func keepRunning(
        _ pass: () async throws -> Next,
        onFailure: (_ error: any Error, _ failures: Int, _ delay: Duration) -> Void = { _, _, _ in }
    ) async {
        await keepRunning({ _ in try await pass() }, onFailure: onFailure)
    }
}
