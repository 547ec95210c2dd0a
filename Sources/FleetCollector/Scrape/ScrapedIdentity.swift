import FleetProto
import Synchronization

/// The identity a scraper enrolls with (`MachineEnrollment`), known only once a scrape has named the machine:
/// `value()` waits for it, `set(_:)` gives it (the first one stays). Waiting ends with nil when the waiting task is
/// cancelled, so a scraper stopped before its exporter ever answered stops at once.
public final class ScrapedIdentity: Sendable {
    private struct State {
        var identity: Fleetwatch_V1_MachineIdentity?
        var waiters: [Int: CheckedContinuation<Fleetwatch_V1_MachineIdentity?, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Gives the identity to every waiter, now and later; later calls change nothing.
    public func set(_ identity: Fleetwatch_V1_MachineIdentity) {
        let waiters = state.withLock { state -> [CheckedContinuation<Fleetwatch_V1_MachineIdentity?, Never>] in
            guard state.identity == nil else { return [] }
            state.identity = identity
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: identity) }
    }

    /// The identity once it is set; nil if the task is cancelled first.
    public func value() async -> Fleetwatch_V1_MachineIdentity? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Checked under the lock that `onCancel` takes too, so a cancellation is never missed.
                let answer: Fleetwatch_V1_MachineIdentity?? = state.withLock { state in
                    if let identity = state.identity { return .some(identity) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }
}
