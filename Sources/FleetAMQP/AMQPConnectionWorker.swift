import CRabbitMQ
import FleetBus
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The thread side of an `AMQPConnection`: owns the rabbitmq-c connection, runs the commands of the
/// inbox, pipelines publishes within a confirm window, reads frames (confirms, deliveries, channel
/// and connection closes) and reconnects. Never shared: every member is touched by its thread only.
///
/// Channels: 1 publishes in confirm mode, 2 runs declarations and purges (a failed declaration closes
/// it without disturbing publishes), 3 consumes.
final class AMQPConnectionWorker {
    private static let publishChannel: amqp_channel_t = 1
    private static let adminChannel: amqp_channel_t = 2
    private static let consumeChannel: amqp_channel_t = 3
    /// How long close() waits for publishes still waiting for their confirm.
    private static let drainTimeout: Duration = .seconds(5)
    /// Frames handled per loop turn before commands and publishes get their turn again.
    private static let framesPerTurn = 4096

    /// One publish(_:) call in flight.
    private final class PublishJob {
        let messages: [OutgoingMessage]
        let continuation: CheckedContinuation<Void, any Error>
        let started: ContinuousClock.Instant
        var sent = 0
        var acked = 0
        var nacked = 0

        init(messages: [OutgoingMessage], continuation: CheckedContinuation<Void, any Error>) {
            self.messages = messages
            self.continuation = continuation
            self.started = .now
        }

        var isSettled: Bool { sent == messages.count && acked + nacked == messages.count }
    }

    private let connection: AMQPConnection
    private let configuration: AMQPConfiguration
    private var logger: Logger
    private let metrics: AMQPMetrics
    private let deliveries: DeliveryBuffer?
    private let arena = CArena()

    private var state: amqp_connection_state_t?
    private var connectedBefore = false
    private var failedAttempts = 0
    private var nextAttempt: ContinuousClock.Instant = .now
    private var lastFailure = ""
    private var openChannels: Set<amqp_channel_t> = []

    private var confirms = PublisherConfirmTracker<Int>()
    private var jobs: [Int: PublishJob] = [:]
    private var unsentJobs: [Int] = []
    private var nextJobID = 0

    private var subscription: AMQPConnection.Subscription?
    private var consuming = false
    /// Generation of the consume channel; deliveries carry it so settling stale ones is a no-op.
    private var epoch: UInt64 = 0
    private var unsettled = UnsettledDeliveries()

    private var closeRequests: [CheckedContinuation<Void, Never>] = []
    private var closeDeadline: ContinuousClock.Instant?
    private var running = true

    init(
        connection: AMQPConnection, configuration: AMQPConfiguration, logger: Logger, metrics: AMQPMetrics,
        deliveries: DeliveryBuffer?
    ) {
        self.connection = connection
        self.configuration = configuration
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

    // MARK: Connecting

    private func ensureConnected(force: Bool) throws(BusError) {
        if state != nil { return }
        if !force && ContinuousClock.now < nextAttempt {
            throw .unavailable("\(configuration.url) unreachable, next attempt in \(nextAttempt - .now): \(lastFailure)")
        }
        do {
            try connect()
            failedAttempts = 0
            nextAttempt = .now
        } catch {
            lastFailure = error.description
            nextAttempt = .now + configuration.backoff.delay(attempt: failedAttempts, unit: configuration.random())
            failedAttempts += 1
            throw error
        }
    }

    private func connect() throws(BusError) {
        let url = configuration.url
        guard let newState = amqp_new_connection() else { throw .unavailable("amqp_new_connection failed") }
        guard let socket = amqp_tcp_socket_new(newState) else {
            amqp_destroy_connection(newState)
            throw .unavailable("amqp_tcp_socket_new failed")
        }
        var connectTimeout = Self.cTimeval(configuration.connectTimeout)
        errno = 0
        let opened = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &connectTimeout)
        guard opened == AMQP_STATUS_OK.rawValue else {
            // rabbitmq-c says only "a socket error occurred"; errno tells refused from unreachable.
            let cause = errno != 0 ? " (\(String(cString: strerror(errno))))" : ""
            amqp_destroy_connection(newState)
            throw .unavailable("cannot connect to \(url.host):\(url.port): \(Self.errorText(opened))\(cause)")
        }
        _ = amqp_set_handshake_timeout(newState, &connectTimeout)
        var rpcTimeout = Self.cTimeval(configuration.rpcTimeout)
        _ = amqp_set_rpc_timeout(newState, &rpcTimeout)
        let heartbeat = Int32(clamping: configuration.heartbeat.components.seconds)
        var properties = arena.table([
            (key: "connection_name", value: .string("fleetwatch \(connection.name)")),
            (key: "product", value: .string("fleetwatch")),
            (
                key: "capabilities",
                value: .table([
                    (key: "consumer_cancel_notify", value: .bool(true)),
                    (key: "connection.blocked", value: .bool(true)),
                ])
            ),
        ])
        let login = fleetwatch_amqp_login_plain_properties(
            newState, url.vhost, 2047, 131_072, heartbeat, &properties, url.user, url.password)
        arena.reset()
        guard login.reply_type == AMQP_RESPONSE_NORMAL else {
            let text = Self.describe(login)
            amqp_destroy_connection(newState)
            throw .unavailable("login to \(url) failed: \(text)")
        }
        state = newState
        openChannels = []
        if connectedBefore {
            metrics.reconnects.increment()
            logger.info("reconnected to \(url)")
        } else {
            logger.debug("connected to \(url)")
        }
        connectedBefore = true
    }

    private func ensureChannel(_ channel: amqp_channel_t) throws(BusError) {
        guard let state, !openChannels.contains(channel) else { return }
        amqp_channel_open(state, channel)
        try checkReply("open channel \(channel)", channel: channel)
        if channel == Self.publishChannel {
            amqp_confirm_select(state, channel)
            try checkReply("enable publisher confirms", channel: channel)
            _ = confirms.reset()
        }
        openChannels.insert(channel)
    }

    /// The connection is gone (socket error, heartbeat timeout, connection.close): fail what waited
    /// on it and, for a consumer, schedule the resubscription.
    private func connectionLost(_ reason: String) {
        guard let lost = state else { return }
        state = nil
        amqp_destroy_connection(lost)
        openChannels = []
        arena.reset()
        sendCache = SendCache()
        failPublishes { _ in .unavailable("connection to \(configuration.url) lost: \(reason)") }
        if consuming {
            consuming = false
            unsettled.reset()
        }
        lastFailure = reason
        if subscription != nil {
            nextAttempt = .now + configuration.backoff.delay(attempt: 0, unit: configuration.random())
            failedAttempts = 1
        }
        if closeDeadline == nil { logger.warning("connection lost: \(reason)") }
    }

    private func closeBrokerConnection() {
        if let state {
            _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
            amqp_destroy_connection(state)
            self.state = nil
        }
        failPublishes { _ in .closed }
    }

    // MARK: Publishing

    private func pumpPublishes() {
        guard let state, openChannels.contains(Self.publishChannel) else { return }
        var sent = 0
        while let id = unsentJobs.first, confirms.outstanding < configuration.publishWindow, sent < Self.framesPerTurn {
            guard let job = jobs[id] else {
                unsentJobs.removeFirst()
                continue
            }
            let status = send(job.messages[job.sent], on: state)
            guard status == AMQP_STATUS_OK.rawValue else {
                metrics.published.increment(by: sent)
                connectionLost("publish failed: \(Self.errorText(status))")
                return
            }
            _ = confirms.register(id)
            job.sent += 1
            sent += 1
            if job.sent == job.messages.count { unsentJobs.removeFirst() }
        }
        arena.reset()
        sendCache = SendCache()
        metrics.published.increment(by: sent)
    }

    /// The C copies of the previous message's names, valid until the arena resets: messages of one
    /// publish call nearly always share exchange, content type and type, so they are copied once.
    private struct SendCache {
        var exchange: (String, amqp_bytes_t)?
        var routingKey: (String, amqp_bytes_t)?
        var contentType: (String, amqp_bytes_t)?
        var type: (String, amqp_bytes_t)?
    }

    private var sendCache = SendCache()

    private func cached(_ text: String, _ slot: WritableKeyPath<SendCache, (String, amqp_bytes_t)?>) -> amqp_bytes_t {
        if let (previous, bytes) = sendCache[keyPath: slot], previous == text { return bytes }
        let bytes = arena.bytes(text)
        sendCache[keyPath: slot] = (text, bytes)
        return bytes
    }

    private func send(_ message: OutgoingMessage, on state: amqp_connection_state_t) -> Int32 {
        var properties = amqp_basic_properties_t()
        properties._flags = fleetwatch_flag_content_type | fleetwatch_flag_delivery_mode | fleetwatch_flag_type
        properties.content_type = cached(message.contentType, \.contentType)
        properties.delivery_mode = message.persistent ? 2 : 1
        properties.type = cached(message.type, \.type)
        if !message.headers.isEmpty {
            properties._flags |= fleetwatch_flag_headers
            properties.headers = arena.table(message.headers)
        }
        let exchange = cached(message.exchange, \.exchange)
        let routingKey = cached(message.routingKey, \.routingKey)
        return message.body.withUnsafeBytes { body in
            amqp_basic_publish(
                state, Self.publishChannel, exchange, routingKey, 0, 0, &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
    }

    private func confirmed(tag: UInt64, multiple: Bool, acked: Bool) {
        var acks = 0
        var nacks = 0
        for settlement in confirms.settle(tag: tag, multiple: multiple, acked: acked) {
            guard let job = jobs[settlement.owner] else { continue }
            if settlement.acked {
                job.acked += 1
                acks += 1
            } else {
                job.nacked += 1
                nacks += 1
            }
            if job.isSettled { complete(settlement.owner, job) }
        }
        metrics.confirmed.increment(by: acks)
        if nacks > 0 { metrics.nacked.increment(by: nacks) }
    }

    private func complete(_ id: Int, _ job: PublishJob) {
        jobs[id] = nil
        metrics.publishConfirmDuration.recordNanoseconds(Self.nanoseconds(.now - job.started))
        if job.nacked > 0 {
            job.continuation.resume(
                throwing: BusError.nacked("\(job.nacked) of \(job.messages.count) messages refused by the broker"))
        } else {
            job.continuation.resume()
        }
    }

    private func failPublishes(_ error: (PublishJob) -> BusError) {
        _ = confirms.reset()
        let failed = jobs
        jobs = [:]
        unsentJobs = []
        for id in failed.keys.sorted() {
            let job = failed[id]!
            job.continuation.resume(throwing: error(job))
        }
    }

    // MARK: Declaring

    private func declare(_ topology: Topology, on channel: amqp_channel_t) throws(BusError) {
        defer { arena.reset() }
        for exchange in topology.exchanges {
            amqp_exchange_declare(
                state, channel, arena.bytes(exchange.name), arena.bytes(exchange.kind.rawValue), 0,
                exchange.durable ? 1 : 0, 0, 0, amqp_empty_table)
            try checkReply("declare exchange '\(exchange.name)' (\(exchange.kind.rawValue))", channel: channel)
        }
        for queue in topology.queues {
            amqp_queue_declare(
                state, channel, arena.bytes(queue.name), 0, queue.durable ? 1 : 0, queue.exclusive ? 1 : 0,
                queue.autoDelete ? 1 : 0, arena.table(queue.arguments))
            try checkReply("declare queue '\(queue.name)'", channel: channel)
        }
        for binding in topology.bindings where binding.toExchange {
            amqp_exchange_bind(
                state, channel, arena.bytes(binding.queue), arena.bytes(binding.exchange),
                arena.bytes(binding.routingKey), amqp_empty_table)
            try checkReply(
                "bind exchange '\(binding.queue)' to '\(binding.exchange)' with '\(binding.routingKey)'", channel: channel)
        }
        for binding in topology.bindings where !binding.toExchange {
            amqp_queue_bind(
                state, channel, arena.bytes(binding.queue), arena.bytes(binding.exchange),
                arena.bytes(binding.routingKey), amqp_empty_table)
            try checkReply(
                "bind queue '\(binding.queue)' to '\(binding.exchange)' with '\(binding.routingKey)'", channel: channel)
        }
    }

    // MARK: Consuming

    private func startConsuming(_ wanted: AMQPConnection.Subscription) throws(BusError) {
        try ensureChannel(Self.consumeChannel)
        guard let state else { throw .unavailable("connection lost") }
        if !wanted.declarations.queues.isEmpty || !wanted.declarations.bindings.isEmpty {
            try declare(wanted.declarations, on: Self.consumeChannel)
        }
        amqp_basic_qos(state, Self.consumeChannel, 0, UInt16(clamping: wanted.prefetch), 0)
        try checkReply("set prefetch \(wanted.prefetch)", channel: Self.consumeChannel)
        amqp_basic_consume(
            state, Self.consumeChannel, arena.bytes(wanted.queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
        arena.reset()
        try checkReply("consume queue '\(wanted.queue)'", channel: Self.consumeChannel)
        epoch += 1
        unsettled.reset()
        consuming = true
    }

    /// A consumer whose connection died resubscribes here, with backoff, until closed.
    private func maintainSubscription() {
        guard let wanted = subscription, !consuming, closeDeadline == nil, ContinuousClock.now >= nextAttempt else {
            return
        }
        do {
            try ensureConnected(force: true)
            try startConsuming(wanted)
            logger.info("consuming '\(wanted.queue)' again after reconnecting")
        } catch {
            if case .topology(let why) = error {
                logger.error("cannot resume consuming '\(wanted.queue)': \(why)")
                subscription = nil
                deliveries?.finish(error)
            } else {
                // One warning per outage; the retries of the same outage are debug noise.
                if failedAttempts <= 1 {
                    logger.warning("resubscribing to '\(wanted.queue)' failed, retrying with backoff: \(error)")
                } else {
                    logger.debug("resubscribing to '\(wanted.queue)' failed again: \(error)")
                }
                if state == nil {
                    nextAttempt = .now + configuration.backoff.delay(attempt: failedAttempts, unit: configuration.random())
                } else {
                    connectionLost(error.description)
                }
            }
        }
    }

    private func settle(tags: [UInt64], epoch generation: UInt64, _ settlement: AMQPConnection.Settlement) {
        guard let state, consuming, generation == epoch else {
            logger.debug("settling \(tags.count) deliveries of an older connection: no-op, the broker requeued them")
            return
        }
        let frames = unsettled.plan(tags)
        var settled = 0
        for frame in frames {
            let status: Int32 =
                switch settlement {
                case .ack: amqp_basic_ack(state, Self.consumeChannel, frame.tag, frame.multiple ? 1 : 0)
                case .reject(let requeue):
                    amqp_basic_nack(state, Self.consumeChannel, frame.tag, frame.multiple ? 1 : 0, requeue ? 1 : 0)
                }
            guard status == AMQP_STATUS_OK.rawValue else {
                connectionLost("settling deliveries failed: \(Self.errorText(status))")
                return
            }
            settled += 1
        }
        guard settled > 0 else { return }
        switch settlement {
        case .ack: metrics.acked.increment(by: tags.count)
        case .reject(requeue: true): metrics.requeued.increment(by: tags.count)
        case .reject(requeue: false): break
        }
    }

    // MARK: Reading frames

    private func readFrames() {
        var batch: [Delivery] = []
        var handled = 0
        while let state, handled < Self.framesPerTurn {
            var frame = amqp_frame_t()
            // 1 µs, not zero: with a zero timeout rabbitmq-c never reports a missed broker heartbeat.
            var timeout = timeval(tv_sec: 0, tv_usec: 1)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &timeout)
            if status == AMQP_STATUS_TIMEOUT.rawValue { break }
            guard status == AMQP_STATUS_OK.rawValue else {
                connectionLost(Self.errorText(status))
                break
            }
            handled += 1
            handle(frame, into: &batch)
        }
        if !batch.isEmpty {
            metrics.delivered.increment(by: batch.count)
            deliveries?.push(batch)
        }
        if let state { amqp_maybe_release_buffers(state) }
    }

    private func handle(_ frame: amqp_frame_t, into batch: inout [Delivery]) {
        guard frame.frame_type == AMQP_FRAME_METHOD, let state else { return }
        let method = frame.payload.method
        switch method.id {
        case fleetwatch_method_basic_ack:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirmed(tag: ack.delivery_tag, multiple: ack.multiple != 0, acked: true)
        case fleetwatch_method_basic_nack:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            confirmed(tag: nack.delivery_tag, multiple: nack.multiple != 0, acked: false)
        case fleetwatch_method_basic_deliver:
            let deliver = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            if let delivery = readDelivery(deliver, channel: frame.channel, state: state) { batch.append(delivery) }
        case fleetwatch_method_basic_return:
            var message = amqp_message_t()
            if amqp_read_message(state, frame.channel, &message, 0).reply_type == AMQP_RESPONSE_NORMAL {
                amqp_destroy_message(&message)
            }
        case fleetwatch_method_channel_close:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            channelClosedByBroker(
                frame.channel, code: close.reply_code, text: AMQPDecoding.string(close.reply_text), state: state)
        case fleetwatch_method_connection_close:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            _ = fleetwatch_send_connection_close_ok(state)
            connectionLost("broker closed the connection: \(close.reply_code) \(AMQPDecoding.string(close.reply_text))")
        case fleetwatch_method_basic_cancel:
            consuming = false
            unsettled.reset()
            let queue = subscription?.queue ?? "?"
            subscription = nil
            logger.error("broker cancelled the consumer of '\(queue)'")
            deliveries?.finish(.topology("broker cancelled the consumer of queue '\(queue)' (queue deleted?)"))
        case fleetwatch_method_connection_blocked:
            logger.warning("broker blocked publishing (resource alarm): publishes wait until it unblocks")
        default:
            break
        }
    }

    private func readDelivery(
        _ deliver: amqp_basic_deliver_t, channel: amqp_channel_t, state: amqp_connection_state_t
    ) -> Delivery? {
        let tag = deliver.delivery_tag
        let redelivered = deliver.redelivered != 0
        let exchange = AMQPDecoding.string(deliver.exchange)
        let routingKey = AMQPDecoding.string(deliver.routing_key)
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else {
            connectionLost("reading a delivery failed: \(Self.describe(reply))")
            return nil
        }
        defer { amqp_destroy_message(&message) }
        let flags = message.properties._flags
        let type = flags & fleetwatch_flag_type != 0 ? AMQPDecoding.string(message.properties.type) : nil
        let headers =
            flags & fleetwatch_flag_headers != 0
            ? AMQPHeaders.flatten(AMQPDecoding.table(message.properties.headers)) : [:]
        unsettled.received(tag)
        return Delivery(
            exchange: exchange, routingKey: routingKey, body: AMQPDecoding.array(message.body), type: type,
            headers: headers, redelivered: redelivered, tag: tag, epoch: epoch)
    }

    private func channelClosedByBroker(
        _ channel: amqp_channel_t, code: UInt16, text: String, state: amqp_connection_state_t
    ) {
        let status = fleetwatch_send_channel_close_ok(state, channel)
        openChannels.remove(channel)
        logger.warning("broker closed channel \(channel): \(code) \(text)")
        switch channel {
        case Self.publishChannel:
            failPublishes { job in
                // A missing exchange is the caller's topology; anything else may work on a retry.
                if code == 404, job.messages.contains(where: { text.contains("exchange '\($0.exchange)'") }) {
                    return .topology("publish: \(code) \(text)")
                }
                return .unavailable("publish channel closed by the broker: \(code) \(text)")
            }
        case Self.consumeChannel:
            consuming = false
            unsettled.reset()
            nextAttempt = .now + configuration.backoff.delay(attempt: 0, unit: configuration.random())
        default:
            break
        }
        if status != AMQP_STATUS_OK.rawValue { connectionLost("answering channel.close: \(Self.errorText(status))") }
    }

    // MARK: Replies

    /// Turns the reply of the last synchronous call into success or a BusError. A channel error
    /// (NOT_FOUND, PRECONDITION_FAILED, ACCESS_REFUSED, RESOURCE_LOCKED) closes only that channel and
    /// becomes `.topology` with the broker's text; everything else means the connection is gone.
    private func checkReply(_ what: String, channel: amqp_channel_t) throws(BusError) {
        guard let state else { throw .unavailable("\(what): not connected") }
        let reply = amqp_get_rpc_reply(state)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == fleetwatch_method_channel_close:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let text = "\(close.reply_code) \(AMQPDecoding.string(close.reply_text))"
            openChannels.remove(channel)
            if fleetwatch_send_channel_close_ok(state, channel) != AMQP_STATUS_OK.rawValue {
                connectionLost("answering channel.close failed")
            }
            if channel == Self.consumeChannel { consuming = false }
            throw .topology("\(what): \(text)")
        default:
            let text = Self.describe(reply)
            if reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION, reply.reply.id == fleetwatch_method_connection_close {
                _ = fleetwatch_send_connection_close_ok(state)
            }
            connectionLost(text)
            throw .unavailable("\(what): \(text)")
        }
    }

    static func describe(_ reply: amqp_rpc_reply_t) -> String {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return "ok"
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return errorText(reply.library_error)
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == fleetwatch_method_connection_close {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                return "broker closed the connection: \(close.reply_code) \(AMQPDecoding.string(close.reply_text))"
            }
            if reply.reply.id == fleetwatch_method_channel_close {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                return "broker closed the channel: \(close.reply_code) \(AMQPDecoding.string(close.reply_text))"
            }
            return "broker error (method \(reply.reply.id))"
        default:
            return "no reply from the broker"
        }
    }

    static func errorText(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }

    static func cTimeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
