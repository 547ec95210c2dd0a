/// The broker seen by every consumer and the edge: topic routing, per-consumer queues, publisher
/// confirms, manual acks and dead-lettering with a reason. Implemented over RabbitMQ (`AMQPBus`)
/// and in process (the hub), so the same pipeline code runs on either.
public protocol MessageBus: Sendable {
    /// Declares exchanges, queues and bindings; idempotent, so every service declares what it uses at start.
    func declare(_ topology: Topology) async throws

    /// Publishes and returns once the broker has confirmed every message (durable where persistent).
    /// Throws `BusError.unavailable` when the broker cannot be reached and `BusError.nacked` when it refused.
    /// May take a while under flow control — RabbitMQ blocking publishers during a resource alarm, or a full
    /// queue of the in-process bus, which waits a bounded time for room before it refuses — so callers that
    /// ack upstream only after this returns pass the back-pressure on.
    func publish(_ messages: [OutgoingMessage]) async throws

    /// Starts consuming `queue` with at most `prefetch` unacknowledged deliveries in flight.
    func consume(queue: String, prefetch: Int) async throws -> any MessageConsumer

    /// Drops every ready message of `queue`; returns how many were dropped.
    func purge(queue: String) async throws -> Int

    /// Closes connections after in-flight publishes finished.
    func shutdown() async
}

/// One subscription to one queue. Deliveries arrive in order; settle each exactly once.
public protocol MessageConsumer: Sendable {
    /// The next delivery, or nil once the consumer was closed.
    func next() async throws -> Delivery?

    /// Up to `max` deliveries: waits for the first, then takes what arrives within `window`.
    func nextBatch(max: Int, window: Duration) async throws -> [Delivery]

    /// The effect of these deliveries is durable: the broker forgets them.
    func ack(_ deliveries: [Delivery]) async throws

    /// Hands the deliveries back to the queue for another attempt (counts toward the delivery limit).
    func requeue(_ deliveries: [Delivery]) async throws

    /// Moves a poison message to the queue's dead-letter queue with `reason` in its headers
    /// (publish to `fleet.dlx` confirmed first, then ack), so nothing is ever silently dropped.
    func deadLetter(_ delivery: Delivery, reason: String) async throws

    /// Moves one part of a delivery (a batch of a bundle) to the dead-letter queue with `reason`, as a message
    /// of its own with `body` and `type`, confirmed before this returns. The delivery itself stays unsettled:
    /// the caller acks it with the rest of its work, so one bad batch never costs the others.
    func deadLetter(part body: [UInt8], type: String, of delivery: Delivery, reason: String) async throws

    /// Stops consuming; unacked deliveries go back to the queue.
    func close() async
}

/// A message to publish.
public struct OutgoingMessage: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    /// Names the protobuf message in `body` (AMQP `type` property), e.g. "fleetwatch.v1.RawBatch".
    public var type: String
    public var headers: [String: String]
    /// Persistent delivery for durable paths; live-only traffic may be transient.
    public var persistent: Bool
    public var contentType: String
    /// The batches `body` encodes, for consumers in this process (`DecodedBatches`); never sent to a broker.
    public var decoded: DecodedBatches?

    public init(
        exchange: String, routingKey: String, body: [UInt8], type: String,
        headers: [String: String] = [:], persistent: Bool = true,
        contentType: String = "application/x-protobuf", decoded: DecodedBatches? = nil
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.type = type
        self.headers = headers
        self.persistent = persistent
        self.contentType = contentType
        self.decoded = decoded
    }
}

/// A message received from a queue, with what is needed to settle it.
public struct Delivery: Sendable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var type: String?
    public var headers: [String: String]
    /// True when the broker delivered this message before (a consumer died or requeued it).
    public var redelivered: Bool
    /// Identifies the delivery to its consumer; only meaningful to the consumer that produced it.
    public var tag: UInt64
    /// Connection generation of the consumer: settling a delivery from a dead connection is a no-op.
    public var epoch: UInt64
    /// The batches `body` encodes, when the publisher is in this process (the in-process bus passes them on).
    public var decoded: DecodedBatches?

    public init(
        exchange: String, routingKey: String, body: [UInt8], type: String?, headers: [String: String],
        redelivered: Bool, tag: UInt64, epoch: UInt64, decoded: DecodedBatches? = nil
    ) {
        self.decoded = decoded
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.type = type
        self.headers = headers
        self.redelivered = redelivered
        self.tag = tag
        self.epoch = epoch
    }
}

/// Failures every bus reports the same way.
public enum BusError: Error, Equatable, CustomStringConvertible {
    /// The broker is unreachable; callers retry or report UNAVAILABLE upstream.
    case unavailable(String)
    /// The broker refused a publish (nack): nothing of it is durable.
    case nacked(String)
    /// A queue or exchange does not exist or the declaration conflicts with an existing one.
    case topology(String)
    case closed

    public var description: String {
        switch self {
        case .unavailable(let why): "message bus unavailable: \(why)"
        case .nacked(let why): "broker refused the publish: \(why)"
        case .topology(let why): "broker topology error: \(why)"
        case .closed: "message bus closed"
        }
    }
}

/// Header names Fleetwatch sets on messages.
public enum BusHeader {
    /// Why a message was dead-lettered by Fleetwatch.
    public static let deadLetterReason = "x-fleetwatch-reason"
    /// Exchange and routing key a dead-lettered message had, for replay.
    public static let originalExchange = "x-fleetwatch-original-exchange"
    public static let originalRoutingKey = "x-fleetwatch-original-routing-key"
    /// The queue a message was dead-lettered from.
    public static let deadLetterQueue = "x-fleetwatch-queue"
    /// The edge's receive time in milliseconds since 1970, on single batches from before bundles (a bundled batch
    /// carries it in its `received_ms`); still read, no longer written.
    public static let receivedAt = "x-fleetwatch-received-ms"
    /// W3C trace context.
    public static let traceParent = "traceparent"
}
