import Synchronization

/// Named readiness conditions of a process ("amqp", "database", "grpc"); /readyz answers 200 only
/// when every registered condition holds, and lists those that do not.
public final class Readiness: Sendable {
    private let conditions: Mutex<[String: Bool]>

    public init(_ names: [String] = []) {
        conditions = Mutex(Dictionary(uniqueKeysWithValues: names.map { ($0, false) }))
    }

    public func set(_ name: String, _ ready: Bool) {
        conditions.withLock { $0[name] = ready }
    }

    /// Names of the conditions that do not hold, sorted; empty when ready.
    public var unmet: [String] {
        conditions.withLock { $0.filter { !$0.value }.map(\.key).sorted() }
    }

    public var isReady: Bool { unmet.isEmpty }
}
