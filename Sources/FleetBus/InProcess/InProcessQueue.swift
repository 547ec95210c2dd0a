/// One queue of the in-process bus: ready messages in order, unacknowledged deliveries by tag, and the limits
/// its declaration asked for (the same `x-` arguments RabbitMQ reads).
struct InProcessQueue {
    struct Message {
        var exchange: String
        var routingKey: String
        var body: [UInt8]
        var type: String
        var headers: [String: String]
        /// What `body` encodes, as the publisher had it (consumers here skip decoding).
        var decoded: DecodedBatches?
        /// Deliveries so far that came back (requeued or returned by a closed consumer).
        var returns = 0
        var expires: ContinuousClock.Instant?
        /// What the message counts toward the queue's byte bound (`weight(of:)`).
        var weight: Int { Message.weight(of: body.count, decoded: decoded != nil) }

        /// Decoded batches take several times the bytes of their encoding (strings, label dictionaries and
        /// message storage on the heap): a message that carries them weighs `decodedWeight` times its body more,
        /// so the byte bound still bounds memory.
        static let decodedWeight = 8

        static func weight(of bodyBytes: Int, decoded: Bool) -> Int {
            decoded ? bodyBytes * (1 + decodedWeight) : bodyBytes
        }

        init(_ message: OutgoingMessage, ttl: Duration?) {
            exchange = message.exchange
            routingKey = message.routingKey
            body = message.body
            type = message.type
            headers = message.headers
            decoded = message.decoded
            expires = ttl.map { ContinuousClock.now + $0 }
        }
    }

    enum Overflow {
        /// Perishable: the oldest ready message makes room.
        case dropHead
        /// Durable: a publish that does not fit waits for room (`InProcessBus.publishWait`), then is refused (nack).
        case rejectPublish
    }

    let definition: Topology.Queue
    let maxLength: Int
    /// Bytes of ready message bodies a reject-publish queue holds before publishers wait (a bundle can be large,
    /// so a bound on messages alone does not bound memory).
    let maxBytes: Int
    let overflow: Overflow
    let ttl: Duration?
    let deliveryLimit: Int?
    let deadLetterExchange: String?
    let deadLetterRoutingKey: String

    private var ready: [Message] = []
    private var head = 0
    private(set) var readyBytes = 0
    var unacked: [UInt64: (message: Message, consumer: Int)] = [:]
    var consumers: [Int: Signal] = [:]
    private(set) var dropped = 0
    /// Publishers waiting for room (reject-publish only), with how many messages each must place here: a
    /// waiter is woken only once its whole share fits, so a large publish is not woken for every single take.
    private var roomWaiters: [(needed: Int, bytes: Int, signal: Signal)] = []

    init(_ definition: Topology.Queue, defaultMaxLength: Int, maxBytes: Int) {
        self.maxBytes = if case .int(let bytes)? = definition.arguments["x-max-length-bytes"] { bytes } else { maxBytes }
        self.definition = definition
        func int(_ name: String) -> Int? {
            if case .int(let value)? = definition.arguments[name] { return value }
            return nil
        }
        func string(_ name: String) -> String? {
            if case .string(let value)? = definition.arguments[name] { return value }
            return nil
        }
        maxLength = int("x-max-length") ?? defaultMaxLength
        overflow = int("x-max-length") != nil && string("x-overflow") != "reject-publish" ? .dropHead : .rejectPublish
        ttl = int("x-message-ttl").map { .milliseconds($0) }
        deliveryLimit = int("x-delivery-limit")
        deadLetterExchange = string("x-dead-letter-exchange")
        deadLetterRoutingKey = string("x-dead-letter-routing-key") ?? definition.name
    }

    var readyCount: Int { ready.count - head }
    var isIdle: Bool { readyCount == 0 && unacked.isEmpty }

    /// Whether `count` more messages of `bytes` in all can be enqueued now (a drop-head queue always makes room;
    /// an empty queue takes a publish larger than `maxBytes`, which could otherwise never fit).
    func hasRoom(for count: Int, bytes: Int) -> Bool {
        overflow == .dropHead
            || (readyCount + count <= maxLength && (readyCount == 0 || readyBytes + bytes <= maxBytes))
    }

    /// Registers a publisher that needs room for `needed` messages of `bytes`; `signal` fires once they fit.
    mutating func waitForRoom(_ needed: Int, bytes: Int, signal: Signal) {
        roomWaiters.append((needed, bytes, signal))
    }

    /// Forgets a waiter that gave up (timed out or cancelled) or was woken.
    mutating func stopWaiting(_ signal: Signal) {
        roomWaiters.removeAll { $0.signal === signal }
    }

    /// Wakes every waiting publisher: the queue is going away or the bus closed, so they must look again.
    mutating func wakeAllPublishers() {
        for waiter in roomWaiters { waiter.signal.notify() }
        roomWaiters = []
    }

    /// Wakes the waiting publishers whose messages now fit; each retries its whole publish under the lock.
    private mutating func wakePublishersThatFit() {
        guard !roomWaiters.isEmpty else { return }
        let queue = self
        roomWaiters.removeAll { waiter in
            guard queue.hasRoom(for: waiter.needed, bytes: waiter.bytes) else { return false }
            waiter.signal.notify()
            return true
        }
    }

    mutating func enqueue(_ message: Message) {
        while overflow == .dropHead, readyCount > 0,
            readyCount >= maxLength || readyBytes + message.weight > maxBytes
        {
            _ = dequeue()
            dropped += 1
        }
        ready.append(message)
        readyBytes += message.weight
        for signal in consumers.values { signal.notify() }
    }

    /// Puts a returned message back at the head, so order is kept for the next consumer.
    mutating func requeueAtHead(_ message: Message) {
        readyBytes += message.weight
        if head > 0 {
            head -= 1
            ready[head] = message
        } else {
            ready.insert(message, at: 0)
        }
        for signal in consumers.values { signal.notify() }
    }

    /// The oldest unexpired ready message.
    mutating func dequeue() -> Message? {
        defer { wakePublishersThatFit() }
        while head < ready.count {
            let message = ready[head]
            head += 1
            readyBytes -= message.weight
            if head > 1024 && head * 2 > ready.count {
                ready.removeFirst(head)
                head = 0
            }
            if let expires = message.expires, expires < .now {
                dropped += 1
                continue
            }
            return message
        }
        return nil
    }

    mutating func purge() -> Int {
        let count = readyCount
        ready = []
        head = 0
        readyBytes = 0
        wakePublishersThatFit()
        return count
    }
}
