import Synchronization

/// Settings the edge may change at run time through commands on the Publish stream: the tick
/// interval and one-off process snapshot requests. Shared by the uploader (writer) and the tick loop (reader).
public final class CollectorControl: Sendable {
    /// Interval bounds a command may set.
    public static let allowedIntervalSeconds: ClosedRange<Int> = 1...3600

    private struct State {
        var interval: Duration
        var processSnapshotRequested = false
        var generation = 0
    }

    private let state: Mutex<State>

    public init(interval: Duration) {
        state = Mutex(State(interval: interval))
    }

    /// The current tick interval.
    public var interval: Duration { state.withLock { $0.interval } }

    /// Increases whenever the interval changes, so the tick loop can notice a change while sleeping.
    public var generation: Int { state.withLock { $0.generation } }

    /// Applies a set_interval command; returns false (and changes nothing) outside 1...3600 s.
    @discardableResult
    public func setInterval(seconds: Int) -> Bool {
        guard Self.allowedIntervalSeconds.contains(seconds) else { return false }
        state.withLock {
            $0.interval = .seconds(seconds)
            $0.generation += 1
        }
        return true
    }

    /// Asks for processes in the next tick's batch.
    public func requestProcessSnapshot() {
        state.withLock { $0.processSnapshotRequested = true }
    }

    /// Whether a snapshot was requested since the last call (and clears the request).
    public func takeProcessSnapshotRequest() -> Bool {
        state.withLock { state in
            defer { state.processSnapshotRequested = false }
            return state.processSnapshotRequested
        }
    }
}
