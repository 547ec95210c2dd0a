import FleetBus
import FleetCore
import FleetProto
import Synchronization

/// Rule changes as this process learns them from fleet.events, fanned out to every WatchRules stream.
/// Each watcher has a bounded buffer; a watcher that falls too far behind loses the oldest changes.
public final class RuleChanges: Sendable {
    private let watchers = Mutex<[Int: AsyncStream<Fleetwatch_V1_RuleChange>.Continuation]>([:])
    private let nextID = Mutex(0)

    public init() {}

    /// Takes a fleet.events delivery: rule changes are published to the watchers, anything else is ignored.
    @Sendable public func receive(_ delivery: Delivery) {
        guard delivery.type == MessageType.ruleChange,
            let change = try? Fleetwatch_V1_RuleChange(serializedBytes: delivery.body)
        else { return }
        publish(change)
    }

    public func publish(_ change: Fleetwatch_V1_RuleChange) {
        for watcher in watchers.withLock({ Array($0.values) }) { watcher.yield(change) }
    }

    /// Runs `body` with a stream of changes from now on; the stream ends with `body`.
    public func follow(_ body: (AsyncStream<Fleetwatch_V1_RuleChange>) async throws -> Void) async throws {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Fleetwatch_V1_RuleChange.self, bufferingPolicy: .bufferingNewest(1000))
        let id = nextID.withLock { id in
            id += 1
            return id
        }
        watchers.withLock { $0[id] = continuation }
        defer {
            watchers.withLock { _ = $0.removeValue(forKey: id) }
            continuation.finish()
        }
        try await body(stream)
    }
}
