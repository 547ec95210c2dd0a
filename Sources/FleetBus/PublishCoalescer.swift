/// Group commit for publishes: callers publishing one message each (one per gRPC stream, say) are
/// gathered into arrays, so the broker confirms many messages per round trip. Each caller still
/// returns only after its own message was confirmed.
public actor PublishCoalescer {
    private let bus: any MessageBus
    private let maxBatch: Int
    private var waiting: [(message: OutgoingMessage, done: CheckedContinuation<Void, any Error>)] = []
    private var flushing = false

    public init(bus: any MessageBus, maxBatch: Int = 512) {
        self.bus = bus
        self.maxBatch = maxBatch
    }

    /// Publishes `message` and returns once the broker confirmed it.
    public func publish(_ message: OutgoingMessage) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            waiting.append((message, done))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !waiting.isEmpty {
            let group = Array(waiting.prefix(maxBatch))
            waiting.removeFirst(group.count)
            do {
                try await bus.publish(group.map(\.message))
                for entry in group { entry.done.resume() }
            } catch {
                for entry in group { entry.done.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
