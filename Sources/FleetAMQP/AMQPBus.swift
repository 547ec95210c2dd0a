import FleetBus
import Foundation
import Logging
import Synchronization

/// The `MessageBus` over RabbitMQ (rabbitmq-c): one publishing connection with publisher confirms
/// for publish, declare and purge, plus one connection per consumer. Each connection runs on its own
/// thread; reconnects happen with backoff, and while the broker is down publish fails fast with
/// `BusError.unavailable`.
public final class AMQPBus: MessageBus {
    public let configuration: AMQPConfiguration
    private let logger: Logger
    private let metrics: AMQPMetrics
    private let publisher: AMQPConnection

    private struct State {
        var consumers: [AMQPConnection] = []
        /// Exclusive queues belong to the connection that declares them: each is declared (with its
        /// bindings) by the consumer that consumes it, again after every reconnect.
        var exclusive: [String: Topology] = [:]
        var shutDown = false
        /// Connections made so far: each starts at the next node of a cluster (`AMQPNodeRotation`).
        var connectionsMade = 1
    }

    private let state = Mutex(State())

    public init(configuration: AMQPConfiguration, logger: Logger = Logger(label: "fleetwatch.bus.amqp")) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = AMQPMetrics()
        self.publisher = AMQPConnection(
            name: "publisher", configuration: configuration, startNode: 0, logger: logger, metrics: metrics)
    }

    public convenience init(url: AMQPURL, logger: Logger = Logger(label: "fleetwatch.bus.amqp")) {
        self.init(configuration: AMQPConfiguration(url: url), logger: logger)
    }

    /// A bus over the nodes of a cluster: each connection uses one and fails over to the next.
    public convenience init(nodes: AMQPURLList, logger: Logger = Logger(label: "fleetwatch.bus.amqp")) {
        self.init(configuration: AMQPConfiguration(nodes: nodes), logger: logger)
    }

    /// Parses `url` (the value of `FLEETWATCH_AMQP_URL` or the --amqp-url flag: one URL or a comma-separated
    /// list of a cluster's nodes); a malformed one throws an `AMQPURLError` naming FLEETWATCH_AMQP_URL and
    /// the expected form.
    public convenience init(url: String, logger: Logger = Logger(label: "fleetwatch.bus.amqp")) throws(AMQPURLError) {
        self.init(nodes: try AMQPURLList(parsing: url), logger: logger)
    }

    /// A bus for `FLEETWATCH_AMQP_URL` (default amqp://guest:guest@127.0.0.1:5672/%2f).
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "fleetwatch.bus.amqp")
    ) throws(AMQPURLError) -> AMQPBus {
        AMQPBus(nodes: try AMQPURLList.fromEnvironment(environment), logger: logger)
    }

    public func declare(_ topology: Topology) async throws {
        try ensureOpen()
        let exclusiveNames = Set(topology.queues.filter(\.exclusive).map(\.name))
        if !exclusiveNames.isEmpty {
            state.withLock { state in
                for queue in topology.queues where queue.exclusive {
                    state.exclusive[queue.name] = Topology(
                        queues: [queue], bindings: topology.bindings.filter { $0.queue == queue.name })
                }
            }
        }
        let shared = Topology(
            exchanges: topology.exchanges, queues: topology.queues.filter { !$0.exclusive },
            bindings: topology.bindings.filter { !exclusiveNames.contains($0.queue) })
        try await publisher.declare(shared)
    }

    public func publish(_ messages: [OutgoingMessage]) async throws {
        try ensureOpen()
        try await publisher.publish(messages)
    }

    public func consume(queue: String, prefetch: Int) async throws -> any MessageConsumer {
        try await makeConsumer(queue: queue, prefetch: prefetch)
    }

    /// `consume(queue:prefetch:)` with the concrete type.
    public func makeConsumer(queue: String, prefetch: Int) async throws -> AMQPConsumer {
        try ensureOpen()
        let buffer = DeliveryBuffer()
        let startNode = state.withLock { state in
            defer { state.connectionsMade += 1 }
            return state.connectionsMade
        }
        let connection = AMQPConnection(
            name: "consumer \(queue)", configuration: configuration, startNode: startNode, logger: logger,
            metrics: metrics, deliveries: buffer)
        let declarations = state.withLock { state in
            state.consumers.removeAll { $0.isClosed }
            state.consumers.append(connection)
            return state.exclusive[queue] ?? Topology()
        }
        do {
            try await connection.subscribe(
                .init(queue: queue, prefetch: max(prefetch, 1), declarations: declarations))
        } catch {
            await connection.close()
            throw error
        }
        return AMQPConsumer(
            queue: queue, connection: connection, buffer: buffer, publisher: publisher, metrics: metrics)
    }

    public func purge(queue: String) async throws -> Int {
        try ensureOpen()
        return try await publisher.purge(queue: queue)
    }

    /// Deletes `queue` and returns how many messages it held. For tests and tooling: services never
    /// delete queues.
    func deleteQueue(_ queue: String) async throws -> Int {
        try await publisher.deleteQueue(queue)
    }

    /// Closes consumers (their unacked deliveries return to the queues), then the publishing
    /// connection once its in-flight publishes are confirmed (at most 5 s).
    public func shutdown() async {
        let consumers = state.withLock { state in
            state.shutDown = true
            defer { state.consumers = [] }
            return state.consumers
        }
        for consumer in consumers { await consumer.close() }
        await publisher.close()
    }

    private func ensureOpen() throws(BusError) {
        if state.withLock({ $0.shutDown }) { throw .closed }
    }
}
