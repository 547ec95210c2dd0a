import FleetBus

/// A subscription to one RabbitMQ queue on its own connection: prefetch-bounded, manual acks, and
/// resubscribed automatically after the connection dies. Deliveries received before a reconnect
/// carry an older `epoch`; settling them is a no-op because the broker already requeued them.
public final class AMQPConsumer: MessageConsumer {
    /// The queue this consumer reads.
    public let queue: String
    private let connection: AMQPConnection
    private let buffer: DeliveryBuffer
    /// The bus's publishing connection, for dead-lettering with a confirm.
    private let publisher: AMQPConnection
    private let metrics: AMQPMetrics

    init(
        queue: String, connection: AMQPConnection, buffer: DeliveryBuffer, publisher: AMQPConnection,
        metrics: AMQPMetrics
    ) {
        self.queue = queue
        self.connection = connection
        self.buffer = buffer
        self.publisher = publisher
        self.metrics = metrics
    }

    public func next() async throws -> Delivery? {
        try await buffer.receive(max: 1, deadline: nil).first
    }

    public func nextBatch(max: Int, window: Duration) async throws -> [Delivery] {
        var batch = try await buffer.receive(max: max, deadline: nil)
        guard !batch.isEmpty else { return [] }
        let deadline = ContinuousClock.now + window
        while batch.count < max, ContinuousClock.now < deadline {
            let more = try await buffer.receive(max: max - batch.count, deadline: deadline)
            if more.isEmpty { break }
            batch += more
        }
        return batch
    }

    public func ack(_ deliveries: [Delivery]) async throws {
        try await settle(deliveries, .ack)
    }

    public func requeue(_ deliveries: [Delivery]) async throws {
        try await settle(deliveries, .reject(requeue: true))
    }

    /// Publishes a copy to `fleet.dlx` with routing key = this queue (bound to `<queue>.dlq`) and the
    /// reason, queue, original exchange and routing key in headers; acks the original once the copy
    /// is confirmed. If the publish fails the original stays unacked and the error is thrown.
    public func deadLetter(_ delivery: Delivery, reason: String) async throws {
        try await publisher.publish([deadLetterCopy(of: delivery, body: delivery.body, type: delivery.type ?? "", reason: reason)])
        try await settle([delivery], .ack)
        metrics.deadLettered.increment()
    }

    public func deadLetter(part body: [UInt8], type: String, of delivery: Delivery, reason: String) async throws {
        try await publisher.publish([deadLetterCopy(of: delivery, body: body, type: type, reason: reason)])
        metrics.deadLettered.increment()
    }

    private func deadLetterCopy(of delivery: Delivery, body: [UInt8], type: String, reason: String) -> OutgoingMessage {
        var headers = delivery.headers
        headers[BusHeader.deadLetterReason] = reason
        headers[BusHeader.deadLetterQueue] = queue
        headers[BusHeader.originalExchange] = delivery.exchange
        headers[BusHeader.originalRoutingKey] = delivery.routingKey
        return OutgoingMessage(
            exchange: FleetExchange.deadLetter, routingKey: queue, body: body, type: type, headers: headers, persistent: true)
    }

    /// Closes the consumer's connection: unacked deliveries, including those buffered here but not
    /// yet taken, go back to the queue; `next()` then returns nil.
    public func close() async {
        await connection.close()
        buffer.finish()
    }

    private func settle(_ deliveries: [Delivery], _ settlement: AMQPConnection.Settlement) async throws {
        guard let first = deliveries.first else { return }
        if deliveries.allSatisfy({ $0.epoch == first.epoch }) {
            try await connection.settle(tags: deliveries.map(\.tag), epoch: first.epoch, settlement)
            return
        }
        let byEpoch = Dictionary(grouping: deliveries, by: \.epoch)
        for epoch in byEpoch.keys.sorted() {
            try await connection.settle(tags: byEpoch[epoch]!.map(\.tag), epoch: epoch, settlement)
        }
    }
}
