import FleetCore

/// How an `AMQPBus` talks to RabbitMQ: where (one node, or the nodes of a cluster), heartbeats, timeouts,
/// reconnect backoff and how many publishes may wait for their confirm at once.
public struct AMQPConfiguration: Sendable {
    /// The broker's nodes; each connection uses one and moves to the next when it refuses or dies.
    public var nodes: AMQPURLList
    /// The first node (setting it makes it the only one).
    public var url: AMQPURL {
        get { nodes.first }
        set { nodes = AMQPURLList(newValue) }
    }
    /// Negotiated heartbeat; a broker silent for two intervals is considered dead.
    public var heartbeat: Duration
    /// Bound on TCP connect plus AMQP handshake, so an absent broker fails fast.
    public var connectTimeout: Duration
    /// Bound on every synchronous broker call (declare, purge, qos, consume).
    public var rpcTimeout: Duration
    /// Delay between reconnect attempts (publisher: how long to fail fast before trying again).
    public var backoff: Backoff
    /// Publishes in flight per connection before the thread waits for confirms.
    public var publishWindow: Int
    /// A random value in [0, 1) for the backoff jitter; injected for deterministic tests.
    public var random: @Sendable () -> Double

    /// A configuration for a single node.
    public init(
        url: AMQPURL, heartbeat: Duration = .seconds(30), connectTimeout: Duration = .seconds(2),
        rpcTimeout: Duration = .seconds(15), backoff: Backoff = Backoff(base: .milliseconds(200), cap: .seconds(10)),
        publishWindow: Int = 4096, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.init(
            nodes: AMQPURLList(url), heartbeat: heartbeat, connectTimeout: connectTimeout, rpcTimeout: rpcTimeout,
            backoff: backoff, publishWindow: publishWindow, random: random)
    }

    /// A configuration for the nodes of a cluster (or a list of one).
    public init(
        nodes: AMQPURLList, heartbeat: Duration = .seconds(30), connectTimeout: Duration = .seconds(2),
        rpcTimeout: Duration = .seconds(15), backoff: Backoff = Backoff(base: .milliseconds(200), cap: .seconds(10)),
        publishWindow: Int = 4096, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.nodes = nodes
        self.heartbeat = heartbeat
        self.connectTimeout = connectTimeout
        self.rpcTimeout = rpcTimeout
        self.backoff = backoff
        self.publishWindow = publishWindow
        self.random = random
    }
}
