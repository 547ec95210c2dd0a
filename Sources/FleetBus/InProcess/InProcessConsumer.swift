/// A subscription to one queue of an `InProcessBus`.
final class InProcessConsumer: MessageConsumer {
    let bus: InProcessBus
    let queue: String
    let id: Int
    let prefetch: Int
    let signal: Signal

    init(bus: InProcessBus, queue: String, id: Int, prefetch: Int, signal: Signal) {
        self.bus = bus
        self.queue = queue
        self.id = id
        self.prefetch = prefetch
        self.signal = signal
    }

    func next() async throws -> Delivery? {
        try await nextBatch(max: 1, window: .zero).first
    }

    /// Waits for the first delivery, then takes what arrives within `window` (up to `max` and the prefetch).
    /// Empty once the consumer or the bus was closed.
    func nextBatch(max: Int, window: Duration) async throws -> [Delivery] {
        var batch: [Delivery] = []
        while batch.isEmpty {
            try Task.checkCancellation()
            switch take(max) {
            case .closed: return []
            case .taken(let deliveries): batch = deliveries
            }
            if batch.isEmpty { await signal.wait() }
        }
        if batch.count < max && window > .zero {
            try? await Task.sleep(for: window)
            if case .taken(let more) = take(max - batch.count) { batch += more }
        }
        return batch
    }

    private enum Take {
        case taken([Delivery])
        case closed
    }

    private func take(_ wanted: Int) -> Take {
        bus.state.withLock { state in
            guard !state.closed, var queue = state.queues[queue], queue.consumers[id] != nil else { return .closed }
            var deliveries: [Delivery] = []
            let held = queue.unacked.values.count { $0.consumer == id }
            while deliveries.count < min(wanted, prefetch - held), let message = queue.dequeue() {
                let tag = state.nextTag
                state.nextTag += 1
                queue.unacked[tag] = (message, id)
                deliveries.append(
                    Delivery(
                        exchange: message.exchange, routingKey: message.routingKey, body: message.body, type: message.type,
                        headers: message.headers, redelivered: message.returns > 0, tag: tag, epoch: UInt64(id),
                        decoded: message.decoded))
            }
            state.queues[self.queue] = queue
            return .taken(deliveries)
        }
    }

    func ack(_ deliveries: [Delivery]) async throws {
        bus.state.withLock { state in
            for delivery in deliveries { state.queues[queue]?.unacked[delivery.tag] = nil }
            state.queues[queue]?.consumers[id]?.notify()  // room under the prefetch
        }
    }

    /// Back to the head of the queue; past the queue's delivery limit, to its dead-letter exchange instead —
    /// unless the dead-letter queue is full (it is bounded like every queue): then the message stays at the head
    /// and is dead-lettered on a later return, never dropped.
    func requeue(_ deliveries: [Delivery]) async throws {
        bus.state.withLock { state in
            for delivery in deliveries.reversed() {
                guard var (message, _) = state.queues[queue]?.unacked.removeValue(forKey: delivery.tag) else { continue }
                message.returns += 1
                if let limit = state.queues[queue]?.deliveryLimit, message.returns > limit {
                    do {
                        try deadLetter(message, reason: "delivered \(message.returns) times (limit \(limit))", in: &state)
                        continue
                    } catch {
                        // The dead-letter queue is full (or gone): keep the message rather than lose it.
                    }
                }
                state.queues[queue]?.requeueAtHead(message)
            }
        }
    }

    func deadLetter(_ delivery: Delivery, reason: String) async throws {
        try bus.state.withLock { state in
            guard let (message, _) = state.queues[queue]?.unacked[delivery.tag] else { return }
            try deadLetter(message, reason: reason, in: &state)
            state.queues[queue]?.unacked[delivery.tag] = nil
        }
    }

    func deadLetter(part body: [UInt8], type: String, of delivery: Delivery, reason: String) async throws {
        try bus.state.withLock { state in
            guard var (message, _) = state.queues[queue]?.unacked[delivery.tag] else { return }
            message.body = body
            message.type = type
            try deadLetter(message, reason: reason, in: &state)
        }
    }

    private func deadLetter(_ message: InProcessQueue.Message, reason: String, in state: inout InProcessBus.State) throws {
        guard let definition = state.queues[queue] else { return }
        var headers = message.headers
        headers[BusHeader.deadLetterReason] = reason
        headers[BusHeader.deadLetterQueue] = queue
        headers[BusHeader.originalExchange] = message.exchange
        headers[BusHeader.originalRoutingKey] = message.routingKey
        try InProcessBus.route(
            [
                OutgoingMessage(
                    exchange: definition.deadLetterExchange ?? FleetExchange.deadLetter,
                    routingKey: definition.deadLetterRoutingKey, body: message.body, type: message.type, headers: headers)
            ], in: &state)
    }

    /// Returns what this consumer held to the queue; an exclusive queue goes away with its consumer.
    func close() async {
        bus.state.withLock { state in
            guard var queue = state.queues[queue] else { return }
            queue.consumers[id] = nil
            let held = queue.unacked.filter { $0.value.consumer == id }.sorted { $0.key > $1.key }
            for (tag, entry) in held {
                queue.unacked[tag] = nil
                var message = entry.message
                message.returns += 1
                queue.requeueAtHead(message)
            }
            if queue.definition.exclusive || (queue.definition.autoDelete && queue.consumers.isEmpty) {
                // Publishers waiting for room here look again: the queue no longer takes part in routing.
                queue.wakeAllPublishers()
                state.queues[self.queue] = nil
                state.bindings.removeAll { $0.queue == self.queue }
            } else {
                state.queues[self.queue] = queue
            }
        }
        signal.notify()
    }
}
