import CRabbitMQ
import FleetBus
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One rabbitmq-c connection served by its own Thread, with an async API. Callers enqueue commands
/// into an inbox and wake the thread through an eventfd; the thread owns the C connection (which is
/// not thread-safe) and is the only one to call into rabbitmq-c, so blocking C calls never run on
/// the cooperative pool or NIO event loops. See `AMQPConnectionWorker` for the thread side.
final class AMQPConnection: Sendable {
    /// What a consumer's settle call does with its deliveries.
    enum Settlement: Sendable {
        case ack
        case reject(requeue: Bool)
    }

    /// Work for the connection thread; every command resumes its continuation exactly once.
    enum Command: Sendable {
        case publish([OutgoingMessage], CheckedContinuation<Void, any Error>)
        case declare(Topology, CheckedContinuation<Void, any Error>)
        case purge(String, CheckedContinuation<Int, any Error>)
        case deleteQueue(String, CheckedContinuation<Int, any Error>)
        case subscribe(Subscription, CheckedContinuation<Void, any Error>)
        case settle(tags: [UInt64], epoch: UInt64, Settlement, CheckedContinuation<Void, any Error>)
        case close(CheckedContinuation<Void, Never>)

        func fail(_ error: BusError) {
            switch self {
            case .publish(_, let continuation), .declare(_, let continuation), .subscribe(_, let continuation),
                .settle(_, _, _, let continuation):
                continuation.resume(throwing: error)
            case .purge(_, let continuation), .deleteQueue(_, let continuation):
                continuation.resume(throwing: error)
            case .close(let continuation):
                continuation.resume()
            }
        }
    }

    /// A consumer's wish: consume `queue`, after declaring `declarations` on this connection
    /// (exclusive queues belong to the connection that declares them), again after every reconnect.
    struct Subscription: Sendable {
        var queue: String
        var prefetch: Int
        var declarations: Topology
    }

    private struct Inbox {
        var commands: [Command] = []
        var closed = false
    }

    let name: String
    let wakeDescriptor: Int32
    private let inbox = Mutex(Inbox())

    /// Starts the connection thread; the broker connection itself opens on first use, to node `startNode`
    /// (modulo the node count) of `configuration.nodes`.
    init(
        name: String, configuration: AMQPConfiguration, startNode: Int = 0, logger: Logger, metrics: AMQPMetrics,
        deliveries: DeliveryBuffer? = nil
    ) {
        self.name = name
        self.wakeDescriptor = fleetwatch_eventfd_open()
        precondition(wakeDescriptor >= 0, "eventfd failed: \(errno)")
        let thread = Thread { [self] in
            // Foundation's `name` is not the kernel's: without this the thread keeps the name of the pool thread
            // that started it, and a soak's thread count cannot tell a broker connection from a worker.
            // 15 bytes: "amqp publisher", or "amqp " and the end of the consumer's queue ("amqp t.alert.p0").
            // (pthread_setname_np is not visible to Swift here; the kernel's own file does the same.)
            let descriptor = Glibc.open("/proc/thread-self/comm", O_WRONLY)
            if descriptor >= 0 {
                let label = "amqp " + String((name.split(separator: " ").last ?? "").suffix(10))
                _ = label.withCString { Glibc.write(descriptor, $0, strlen($0)) }
                _ = Glibc.close(descriptor)
            }
            let worker = AMQPConnectionWorker(
                connection: self, configuration: configuration, startNode: startNode, logger: logger,
                metrics: metrics, deliveries: deliveries)
            worker.run()
        }
        thread.name = "amqp \(name)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit {
        _ = Glibc.close(wakeDescriptor)
    }

    /// True once the thread stopped serving commands.
    var isClosed: Bool { inbox.withLock { $0.closed } }

    // MARK: Async API

    /// Publishes with confirms; resumes when the broker confirmed every message.
    func publish(_ messages: [OutgoingMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await perform { .publish(messages, $0) }
    }

    func declare(_ topology: Topology) async throws {
        try await perform { .declare(topology, $0) }
    }

    func purge(queue: String) async throws -> Int {
        try await perform { .purge(queue, $0) }
    }

    func deleteQueue(_ queue: String) async throws -> Int {
        try await perform { .deleteQueue(queue, $0) }
    }

    /// Starts consuming into the connection's delivery buffer; keeps doing so across reconnects.
    func subscribe(_ subscription: Subscription) async throws {
        try await perform { .subscribe(subscription, $0) }
    }

    /// Acks or nacks deliveries of connection generation `epoch`; a no-op for an older generation.
    func settle(tags: [UInt64], epoch: UInt64, _ settlement: Settlement) async throws {
        guard !tags.isEmpty else { return }
        try await perform { .settle(tags: tags, epoch: epoch, settlement, $0) }
    }

    /// Waits for in-flight publishes (bounded), closes the broker connection and ends the thread.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if !enqueue(.close(continuation)) { continuation.resume() }
        }
    }

    private func perform<T: Sendable>(
        _ command: (CheckedContinuation<T, any Error>) -> Command
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            if !enqueue(command(continuation)) { continuation.resume(throwing: BusError.closed) }
        }
    }

    // MARK: Inbox (both sides)

    /// False when the thread has stopped; the caller then resumes the command's continuation itself.
    private func enqueue(_ command: Command) -> Bool {
        inbox.withLock { inbox in
            guard !inbox.closed else { return false }
            inbox.commands.append(command)
            // Signalled under the lock so the descriptor cannot be signalled after the thread ended.
            fleetwatch_eventfd_signal(wakeDescriptor)
            return true
        }
    }

    /// Thread side: everything enqueued so far.
    func takeCommands() -> [Command] {
        inbox.withLock { inbox in
            guard !inbox.commands.isEmpty else { return [] }
            defer { inbox.commands.removeAll(keepingCapacity: true) }
            return inbox.commands
        }
    }

    /// Thread side, on exit: refuses new commands and returns those that will never run.
    func closeInbox() -> [Command] {
        inbox.withLock { inbox in
            inbox.closed = true
            defer { inbox.commands.removeAll() }
            return inbox.commands
        }
    }
}
