import FleetBus
import Synchronization

/// Hands deliveries from a connection thread to async callers: the thread pushes, `receive` takes
/// up to `max` at once or suspends until some arrive, the deadline passes or the buffer finishes.
/// Bounded in practice by the consumer's prefetch.
final class DeliveryBuffer: Sendable {
    private struct Waiter {
        var id: UInt64
        var max: Int
        var continuation: CheckedContinuation<[Delivery], any Error>
    }

    private struct State {
        var items: [Delivery] = []
        var head = 0
        var waiters: [Waiter] = []
        var cancelled: Set<UInt64> = []
        var nextWaiterID: UInt64 = 0
        var finished = false
        var failure: BusError?

        var available: Int { items.count - head }

        mutating func take(_ max: Int) -> [Delivery] {
            let end = head + min(max, available)
            let taken = Array(items[head..<end])
            head = end
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 4096 {
                items.removeFirst(head)
                head = 0
            }
            return taken
        }
    }

    private let state = Mutex(State())

    /// Deliveries waiting to be taken.
    var bufferedCount: Int { state.withLock { $0.available } }

    func push(_ deliveries: [Delivery]) {
        guard !deliveries.isEmpty else { return }
        let resumes = state.withLock { state -> [(CheckedContinuation<[Delivery], any Error>, [Delivery])] in
            guard !state.finished else { return [] }
            state.items.append(contentsOf: deliveries)
            var resumes: [(CheckedContinuation<[Delivery], any Error>, [Delivery])] = []
            while !state.waiters.isEmpty, state.available > 0 {
                let waiter = state.waiters.removeFirst()
                resumes.append((waiter.continuation, state.take(waiter.max)))
            }
            return resumes
        }
        for (continuation, batch) in resumes { continuation.resume(returning: batch) }
    }

    /// No more deliveries: waiters get what is left, then empty batches (or `failure`).
    func finish(_ failure: BusError? = nil) {
        let waiters = state.withLock { state -> [Waiter] in
            guard !state.finished else { return [] }
            state.finished = true
            state.failure = failure
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters {
            if let failure { waiter.continuation.resume(throwing: failure) } else { waiter.continuation.resume(returning: []) }
        }
    }

    /// Deliveries already received but never handed out; dropped (the broker requeues them).
    func drain() -> Int {
        state.withLock { state in
            let count = state.available
            state.items.removeAll()
            state.head = 0
            return count
        }
    }

    /// Up to `max` deliveries. Empty when `deadline` passed first or the buffer finished.
    func receive(max: Int, deadline: ContinuousClock.Instant?) async throws -> [Delivery] {
        let max = Swift.max(max, 1)
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Delivery], any Error>) in
                enum Outcome {
                    case deliver([Delivery])
                    case fail(any Error)
                    case wait
                }
                let outcome = state.withLock { state -> Outcome in
                    if state.cancelled.remove(id) != nil { return .fail(CancellationError()) }
                    if state.available > 0 { return .deliver(state.take(max)) }
                    if state.finished {
                        if let failure = state.failure { return .fail(failure) }
                        return .deliver([])
                    }
                    if let deadline, deadline <= .now { return .deliver([]) }
                    state.waiters.append(Waiter(id: id, max: max, continuation: continuation))
                    return .wait
                }
                switch outcome {
                case .deliver(let batch): continuation.resume(returning: batch)
                case .fail(let error): continuation.resume(throwing: error)
                case .wait:
                    if let deadline {
                        Task { [self] in
                            try? await Task.sleep(until: deadline, clock: .continuous)
                            self.expire(id)
                        }
                    }
                }
            }
        } onCancel: {
            self.cancel(id)
        }
    }

    private func removeWaiter(_ id: UInt64) -> Waiter? {
        state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
    }

    private func expire(_ id: UInt64) {
        removeWaiter(id)?.continuation.resume(returning: [])
    }

    private func cancel(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            if let index = state.waiters.firstIndex(where: { $0.id == id }) { return state.waiters.remove(at: index) }
            state.cancelled.insert(id)
            return nil
        }
        waiter?.continuation.resume(throwing: CancellationError())
    }
}
