import Synchronization

/// The `MessageBus` inside one process, for `fleetwatch hub`: topic and direct routing, a queue per declared
/// name with competing consumers, manual acks, redelivery of what a closed consumer held, dead-lettering with
/// a reason (and past a queue's delivery limit), bounded queues — drop-oldest where the declaration asks for
/// a max length (live data), and everywhere else a bound of `defaultMaxLength` ready messages at which
/// publishers wait for room and are finally refused (`BusError.nacked`). So a hub that falls behind pushes back
/// hop by hop: a full fleet.persist stalls the normalizer's publish (it holds its deliveries), fleet.normalize
/// fills, the edge's publish waits and its acks slow down, and the collectors keep their batches in their
/// outboxes instead of the hub's memory. Nothing survives the process: the hub drains its queues on SIGTERM
/// (`waitUntilIdle`).
public final class InProcessBus: MessageBus {
    struct State {
        var exchanges: [String: Topology.Exchange.Kind] = [:]
        var queues: [String: InProcessQueue] = [:]
        var bindings: [Topology.Binding] = []
        var nextTag: UInt64 = 1
        var nextConsumer = 1
        var closed = false
    }

    let state = Mutex(State())
    /// Ready messages a queue without its own `x-max-length` holds before publishers must wait. It only has to
    /// keep consumers fed (a few of their rounds: the persister takes up to 1,000 at a time), not to absorb a
    /// backlog: the collectors' outboxes on disk do that. At 100,000 the hub's three durable pipeline queues
    /// could hold well over a gigabyte before pushing back (1,200 machines @ 1 s reached 56,000 batches and
    /// 374 MiB in fleet.persist without ever hitting the bound, acks staying fast).
    public let defaultMaxLength: Int
    /// How long `publish` waits for room in a full queue before refusing. Waiting (like RabbitMQ blocking
    /// publishers during a resource alarm) turns overload into slower acks, which collectors absorb at no cost;
    /// a refusal costs them a failed stream, a reconnect with backoff and a resend, so it is kept for a
    /// pipeline that made no progress at all for this long (a stalled consumer).
    public let publishWait: Duration
    /// Bytes of ready messages the same queues hold before publishers must wait: messages are bundles of many
    /// batches, so a bound on their number alone bounds nothing. A message counts its body plus an estimate of the
    /// decoded batches it carries (`InProcessQueue.Message.weight`), so 64 MiB is about 7 MiB of bodies, ~5,000
    /// batches or two seconds of 3,000 machines: enough to keep every consumer fed, and a bundle of the edge's
    /// largest (1 MiB) still fits beside others. More only holds memory the collectors' outboxes hold better.
    public let defaultMaxBytes: Int

    public init(defaultMaxLength: Int = 5_000, defaultMaxBytes: Int = 64 << 20, publishWait: Duration = .seconds(5)) {
        self.defaultMaxLength = max(1, defaultMaxLength)
        self.defaultMaxBytes = max(1, defaultMaxBytes)
        self.publishWait = max(.zero, publishWait)
    }

    public func declare(_ topology: Topology) async throws {
        try state.withLock { state in
            guard !state.closed else { throw BusError.closed }
            for exchange in topology.exchanges {
                if let kind = state.exchanges[exchange.name], kind != exchange.kind {
                    throw BusError.topology("exchange '\(exchange.name)' exists as \(kind.rawValue), not \(exchange.kind.rawValue)")
                }
                state.exchanges[exchange.name] = exchange.kind
            }
            for queue in topology.queues {
                if let existing = state.queues[queue.name] {
                    guard existing.definition.arguments == queue.arguments else {
                        throw BusError.topology("queue '\(queue.name)' exists with other arguments")
                    }
                    continue
                }
                state.queues[queue.name] = InProcessQueue(queue, defaultMaxLength: defaultMaxLength, maxBytes: defaultMaxBytes)
            }
            for binding in topology.bindings where !state.bindings.contains(binding) {
                let destinationExists =
                    binding.toExchange ? state.exchanges[binding.queue] != nil : state.queues[binding.queue] != nil
                guard state.exchanges[binding.exchange] != nil, destinationExists else {
                    throw BusError.topology("binding \(binding.exchange) → \(binding.queue) names an undeclared exchange or queue")
                }
                state.bindings.append(binding)
            }
        }
    }

    /// All or nothing: nothing is enqueued unless every target queue has room for its share. When a queue
    /// without drop-head is full, the publisher waits (up to `publishWait`) until consumers took enough for the
    /// whole publish to fit, then enqueues it; still full after that, or larger than the queue can ever hold,
    /// it is refused with `BusError.nacked` and nothing of it was enqueued — so the edge, which acks only after
    /// this returns, never acks a batch that is not on the bus.
    public func publish(_ messages: [OutgoingMessage]) async throws {
        let deadline = ContinuousClock.now + publishWait
        while true {
            let outcome = try state.withLock { state -> PublishOutcome in
                guard let full = try Self.enqueue(messages, in: &state) else { return .enqueued }
                guard full.needed <= full.maxLength, ContinuousClock.now < deadline else { return .refused(full) }
                let room = Signal()
                state.queues[full.queue]?.waitForRoom(full.needed, bytes: full.bytes, signal: room)
                return .waiting(full, room)
            }
            switch outcome {
            case .enqueued:
                return
            case .refused(let full):
                throw full.refusal
            case .waiting(let full, let room):
                await room.wait(until: deadline)
                state.withLock { $0.queues[full.queue]?.stopWaiting(room) }
                // Cancelled while waiting: nothing was enqueued, so the caller must not count it as published.
                try Task.checkCancellation()
            }
        }
    }

    private enum PublishOutcome {
        case enqueued
        /// `Signal` fires once the full queue has room for this publish (or the queue or the bus went away).
        case waiting(Full, Signal)
        case refused(Full)
    }

    /// A queue without room for a publish's share of messages.
    struct Full {
        var queue: String
        var needed: Int
        var bytes: Int
        var maxLength: Int
        /// The queue had room for the messages but not for their bytes.
        var overBytes = false
        var maxBytes = 0

        var refusal: BusError {
            needed > maxLength
                ? .nacked("\(needed) messages for queue '\(queue)', which holds at most \(maxLength)")
                : overBytes
                    ? .nacked("queue '\(queue)' is full (\(maxBytes) bytes of messages); retry later")
                    : .nacked("queue '\(queue)' is full (\(maxLength) messages); retry later")
        }
    }

    /// Routes without waiting (dead-lettering, inside a consumer's settle): a full target refuses at once.
    static func route(_ messages: [OutgoingMessage], in state: inout State) throws {
        if let full = try enqueue(messages, in: &state) { throw full.refusal }
    }

    /// Enqueues `messages` in every queue they route to, or nothing and returns the first queue without room.
    /// Throws when the bus is closed or an exchange is missing.
    static func enqueue(_ messages: [OutgoingMessage], in state: inout State) throws -> Full? {
        guard !state.closed else { throw BusError.closed }
        var deliveries: [(queue: String, message: OutgoingMessage)] = []
        for message in messages {
            // The default exchange, as in AMQP: routes to the queue named by the routing key.
            if message.exchange.isEmpty {
                if state.queues[message.routingKey] != nil { deliveries.append((message.routingKey, message)) }
                continue
            }
            guard state.exchanges[message.exchange] != nil else {
                throw BusError.topology("no exchange '\(message.exchange)'")
            }
            var targets: Set<String> = []
            collect(message.routingKey, from: message.exchange, into: &targets, state: state, depth: 0)
            deliveries += targets.sorted().map { ($0, message) }
        }
        var pending: [String: (count: Int, bytes: Int)] = [:]
        for (queue, message) in deliveries {
            pending[queue, default: (0, 0)].count += 1
            pending[queue, default: (0, 0)].bytes += InProcessQueue.Message.weight(of: message.body.count, decoded: message.decoded != nil)
        }
        for (name, share) in pending.sorted(by: { $0.key < $1.key }) {
            guard let queue = state.queues[name], !queue.hasRoom(for: share.count, bytes: share.bytes) else { continue }
            return Full(
                queue: name, needed: share.count, bytes: share.bytes, maxLength: queue.maxLength,
                overBytes: queue.readyCount + share.count <= queue.maxLength, maxBytes: queue.maxBytes)
        }
        for (name, message) in deliveries {
            let ttl = state.queues[name]?.ttl
            state.queues[name]?.enqueue(.init(message, ttl: ttl))
        }
        return nil
    }

    /// The queues a message with `key` reaches from `exchange`, following exchange-to-exchange bindings.
    /// A consistent-hash exchange picks one of its queues by a hash of the key (bindings' weights are ignored).
    static func collect(_ key: String, from exchange: String, into targets: inout Set<String>, state: State, depth: Int) {
        guard depth < 8, let kind = state.exchanges[exchange] else { return }
        let bindings = state.bindings.filter { $0.exchange == exchange }
        if kind == .consistentHash {
            let queues = bindings.filter { !$0.toExchange }.map(\.queue).sorted()
            if !queues.isEmpty { targets.insert(queues[Int(stableHash(key) % UInt64(queues.count))]) }
            return
        }
        for binding in bindings {
            let matches =
                switch kind {
                case .topic: TopicPattern.matches(binding.routingKey, key)
                case .direct: binding.routingKey == key
                case .fanout, .consistentHash: true
                }
            guard matches else { continue }
            if binding.toExchange {
                collect(key, from: binding.queue, into: &targets, state: state, depth: depth + 1)
            } else {
                targets.insert(binding.queue)
            }
        }
    }

    /// FNV-1a: the same key goes to the same partition in every run.
    static func stableHash(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    public func consume(queue: String, prefetch: Int) async throws -> any MessageConsumer {
        let (id, signal) = try state.withLock { state -> (Int, Signal) in
            guard !state.closed else { throw BusError.closed }
            guard state.queues[queue] != nil else { throw BusError.topology("no queue '\(queue)'") }
            let id = state.nextConsumer
            state.nextConsumer += 1
            let signal = Signal()
            state.queues[queue]?.consumers[id] = signal
            return (id, signal)
        }
        return InProcessConsumer(bus: self, queue: queue, id: id, prefetch: max(1, prefetch), signal: signal)
    }

    public func purge(queue: String) async throws -> Int {
        try state.withLock { state in
            guard state.queues[queue] != nil else { throw BusError.topology("no queue '\(queue)'") }
            return state.queues[queue]!.purge()
        }
    }

    public func shutdown() async {
        let signals = state.withLock { state in
            state.closed = true
            // Waiting publishers look again and find the bus closed.
            for name in state.queues.keys { state.queues[name]?.wakeAllPublishers() }
            return state.queues.values.flatMap { $0.consumers.values }
        }
        for signal in signals { signal.notify() }
    }

    /// Every queue with its depth and consumers, by name.
    func statuses() -> [QueueStatus] {
        state.withLock { state in
            state.queues.map { name, queue in
                QueueStatus(name: name, ready: queue.readyCount, unacked: queue.unacked.count, consumers: queue.consumers.count)
            }.sorted { $0.name < $1.name }
        }
    }

    /// Ready and unacknowledged messages of `queue` (nil: no such queue).
    public func depth(of queue: String) -> (ready: Int, unacked: Int)? {
        state.withLock { state in state.queues[queue].map { ($0.readyCount, $0.unacked.count) } }
    }

    /// Returns once every queue in `queues` is empty with nothing unacknowledged: on SIGTERM the hub stops its
    /// edge first, then waits for this before stopping the consumers, so everything acked is persisted.
    public func waitUntilIdle(_ queues: [String], poll: Duration = .milliseconds(20)) async {
        while !Task.isCancelled {
            let idle = state.withLock { state in queues.allSatisfy { state.queues[$0]?.isIdle ?? true } }
            if idle { return }
            try? await Task.sleep(for: poll)
        }
    }
}
