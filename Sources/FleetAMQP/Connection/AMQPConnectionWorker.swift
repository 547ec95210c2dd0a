import CRabbitMQ
import FleetBus
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The thread side of an `AMQPConnection`: owns the rabbitmq-c connection, runs the commands of the
/// inbox, pipelines publishes within a confirm window, reads frames (confirms, deliveries, channel
/// and connection closes) and reconnects. Never shared: every member is touched by its thread only.
/// This file holds its state and loop; the extensions beside it hold each idea (connecting, channels,
/// publishing, confirms, consuming, reading frames, replies), which is why the state is not private.
///
/// Channels: 1 publishes in confirm mode, 2 runs declarations and purges (a failed declaration closes
/// it without disturbing publishes), 3 consumes.
final class AMQPConnectionWorker {
    static let publishChannel: amqp_channel_t = 1
    static let adminChannel: amqp_channel_t = 2
    static let consumeChannel: amqp_channel_t = 3
    /// How long close() waits for publishes still waiting for their confirm.
    static let drainTimeout: Duration = .seconds(5)
    /// Frames handled per loop turn before commands and publishes get their turn again.
    static let framesPerTurn = 4096

    let connection: AMQPConnection
    let configuration: AMQPConfiguration
    var logger: Logger
    let metrics: AMQPMetrics
    let deliveries: DeliveryBuffer?
    let arena = CArena()

    var state: amqp_connection_state_t?
    /// The node connected to, or to try next.
    var nodes: AMQPNodeRotation
    /// The node of the previous connection, for the log line of a switch.
    var previousNode: AMQPURL?
    var failedAttempts = 0
    var nextAttempt: ContinuousClock.Instant = .now
    var lastFailure = ""
    var openChannels: Set<amqp_channel_t> = []

    var confirms = PublisherConfirmTracker<Int>()
    /// The broker nacked a publish: the publish channel is reopened once its confirms are in (see
    /// `reopenPublishChannelIfRefused`).
    var publishChannelRefused = false
    var jobs: [Int: PublishJob] = [:]
    var unsentJobs: [Int] = []
    var nextJobID = 0

    var subscription: AMQPConnection.Subscription?
    var consuming = false
    /// Generation of the consume channel; deliveries carry it so settling stale ones is a no-op.
    var epoch: UInt64 = 0
    var unsettled = UnsettledDeliveries()

    var closeRequests: [CheckedContinuation<Void, Never>] = []
    var closeDeadline: ContinuousClock.Instant?
    var running = true
    /// The C names of the previous message, reused by the next one of the same publish call.
    var sendCache = SendCache()

    init(
        connection: AMQPConnection, configuration: AMQPConfiguration, startNode: Int, logger: Logger,
        metrics: AMQPMetrics, deliveries: DeliveryBuffer?
    ) {
        self.connection = connection
        self.configuration = configuration
        self.nodes = AMQPNodeRotation(nodes: configuration.nodes, start: startNode)
        self.logger = logger
        self.logger[metadataKey: "amqp.connection"] = "\(connection.name)"
        self.metrics = metrics
        self.deliveries = deliveries
    }

    // MARK: Loop

    func run() {
        while running {
            // Drained before taking commands, so a command enqueued meanwhile leaves it signalled.
            fleetwatch_eventfd_drain(connection.wakeDescriptor)
            for command in connection.takeCommands() { handle(command) }
            pumpPublishes()
            readFrames()
            maintainSubscription()
            finishCloseIfDrained()
            if running { waitForWork() }
        }
        closeBrokerConnection()
        for command in connection.closeInbox() { command.fail(.closed) }
        deliveries?.finish()
        for request in closeRequests { request.resume() }
    }

    /// Sleeps in poll(2) on the wake-up eventfd and the AMQP socket unless work is already pending.
    private func waitForWork() {
        if let state {
            if amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0 { return }
            if !unsentJobs.isEmpty && openChannels.contains(Self.publishChannel)
                && confirms.outstanding < configuration.publishWindow
                && !(publishChannelRefused && confirms.outstanding > 0)
            {
                return
            }
        }
        var descriptors = [pollfd(fd: connection.wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        var timeout: Duration? = nil
        if let state {
            descriptors.append(pollfd(fd: amqp_get_sockfd(state), events: Int16(POLLIN), revents: 0))
            // rabbitmq-c sends and checks heartbeats only while reading: wake up in time for them.
            timeout = max(configuration.heartbeat / 2, .milliseconds(250))
        } else if subscription != nil && !consuming {
            timeout = max(nextAttempt - .now, .zero)
        }
        if let closeDeadline { timeout = min(timeout ?? .seconds(3600), max(closeDeadline - .now, .zero)) }
        let milliseconds =
            timeout.map { Int32(clamping: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) }
            ?? -1
        _ = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
    }

    // MARK: Commands

    private func handle(_ command: AMQPConnection.Command) {
        if closeDeadline != nil {
            if case .close(let continuation) = command { closeRequests.append(continuation) } else { command.fail(.closed) }
            return
        }
        switch command {
        case .publish(let messages, let continuation):
            do {
                try ensureConnected(force: false)
                try ensureChannel(Self.publishChannel)
                let id = nextJobID
                nextJobID += 1
                jobs[id] = PublishJob(messages: messages, continuation: continuation)
                unsentJobs.append(id)
            } catch {
                continuation.resume(throwing: error)
            }
        case .declare(let topology, let continuation):
            do {
                try ensureConnected(force: false)
                try ensureChannel(Self.adminChannel)
                try declare(topology, on: Self.adminChannel)
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
            }
        case .purge(let queue, let continuation):
            continuation.resume(
                with: Result { () throws(BusError) -> Int in
                    try ensureConnected(force: false)
                    try ensureChannel(Self.adminChannel)
                    let reply = amqp_queue_purge(state, Self.adminChannel, arena.bytes(queue))
                    arena.reset()
                    try checkReply("purge queue '\(queue)'", channel: Self.adminChannel)
                    return Int(reply?.pointee.message_count ?? 0)
                })
        case .deleteQueue(let queue, let continuation):
            continuation.resume(
                with: Result { () throws(BusError) -> Int in
                    try ensureConnected(force: false)
                    try ensureChannel(Self.adminChannel)
                    let reply = amqp_queue_delete(state, Self.adminChannel, arena.bytes(queue), 0, 0)
                    arena.reset()
                    try checkReply("delete queue '\(queue)'", channel: Self.adminChannel)
                    return Int(reply?.pointee.message_count ?? 0)
                })
        case .subscribe(let wanted, let continuation):
            do {
                try ensureConnected(force: true)
                try startConsuming(wanted)
                subscription = wanted
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
            }
        case .settle(let tags, let generation, let settlement, let continuation):
            settle(tags: tags, epoch: generation, settlement)
            continuation.resume()
        case .close(let continuation):
            closeRequests.append(continuation)
            if closeDeadline == nil {
                closeDeadline = .now + Self.drainTimeout
                subscription = nil
                if consuming, let dropped = deliveries?.drain(), dropped > 0 {
                    logger.debug("consumer closing; \(dropped) unsettled deliveries go back to the queue")
                }
            }
        }
    }

    private func finishCloseIfDrained() {
        guard let closeDeadline else { return }
        if jobs.isEmpty { running = false }
        if ContinuousClock.now >= closeDeadline {
            logger.warning("closing with \(jobs.count) publishes still unconfirmed")
            running = false
        }
    }
}
