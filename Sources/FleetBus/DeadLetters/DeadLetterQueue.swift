/// The operations on the dead-letter queue of one durable queue (`Q.dlq`) behind `fleetwatch dlq`: list what
/// is there without removing it, replay it back into `Q`, purge it. Needs only a `MessageBus`; the caller
/// owns the bus and shuts it down.
public struct DeadLetterQueue: Sendable {
    /// The durable queue whose dead letters these are, e.g. `fleet.normalize`.
    public let queue: String
    /// `QUEUE.dlq`.
    public let deadLetterQueue: String
    private let bus: any MessageBus
    /// How long a take waits for the first message before calling the queue empty.
    private let firstMessageTimeout: Duration

    public init(of queue: String, on bus: any MessageBus, firstMessageTimeout: Duration = .seconds(2)) {
        self.queue = queue
        self.deadLetterQueue = FleetQueue.deadLetter(of: queue)
        self.bus = bus
        self.firstMessageTimeout = firstMessageTimeout
    }

    /// Up to `limit` dead letters, oldest first; they stay in the queue (requeued, so marked redelivered).
    public func list(limit: Int) async throws -> [DeadLetter] {
        let consumer = try await bus.consume(queue: deadLetterQueue, prefetch: max(1, limit))
        do {
            let messages = try await take(from: consumer, limit: limit)
            try await consumer.requeue(messages)
            await consumer.close()
            return messages.map(DeadLetter.init)
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// Publishes up to `limit` dead letters back into the queue (confirmed), and only then removes them from the
    /// DLQ. Each message is replayed at most once per run: every copy carries the run's id, and a copy that
    /// failed again and came back ends the run. `progress` hears the running total after each batch.
    /// Returns how many were replayed.
    public func replay(
        limit: Int, run: String = DeadLetterQueue.newRunID(), progress: @Sendable (Int) -> Void = { _ in }
    ) async throws -> Int {
        let consumer = try await bus.consume(queue: deadLetterQueue, prefetch: min(limit, 500))
        do {
            let replayed = try await replay(from: consumer, limit: limit, run: run, progress: progress)
            await consumer.close()
            return replayed
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// Deletes every dead letter; returns how many there were.
    public func purge() async throws -> Int {
        try await bus.purge(queue: deadLetterQueue)
    }

    /// A fresh id for one replay run.
    public static func newRunID() -> String {
        String(UInt64.random(in: 1...UInt64.max), radix: 36)
    }

    private func replay(
        from consumer: any MessageConsumer, limit: Int, run: String, progress: @Sendable (Int) -> Void
    ) async throws -> Int {
        var replayed = 0
        while replayed < limit {
            var batch = try await take(from: consumer, limit: min(500, limit - replayed))
            if batch.isEmpty { break }
            if let seen = batch.firstIndex(where: { $0.headers[DeadLetter.replayRunHeader] == run }) {
                try await consumer.requeue(Array(batch[seen...]))
                batch = Array(batch[..<seen])
                if batch.isEmpty { break }
            }
            try await bus.publish(batch.map { DeadLetter.replayMessage(for: $0, queue: queue, run: run) })
            try await consumer.ack(batch)
            replayed += batch.count
            progress(replayed)
        }
        return replayed
    }

    /// Takes what is in the queue now, up to `limit`, waiting at most `firstMessageTimeout` for the first message.
    private func take(from consumer: any MessageConsumer, limit: Int) async throws -> [Delivery] {
        let timeout = firstMessageTimeout
        return try await withThrowingTaskGroup(of: [Delivery]?.self) { group in
            group.addTask { try await consumer.nextBatch(max: limit, window: .milliseconds(300)) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next().flatMap { $0 } ?? []
        }
    }
}
