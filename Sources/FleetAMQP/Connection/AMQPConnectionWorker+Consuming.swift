import CRabbitMQ
import FleetBus

/// Consuming: basic.qos and basic.consume on the consume channel, resubscribing after a reconnect,
/// turning basic.deliver into `Delivery` values and settling them with as few ack/nack frames as possible.
extension AMQPConnectionWorker {
    func startConsuming(_ wanted: AMQPConnection.Subscription) throws(BusError) {
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
    func maintainSubscription() {
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

    func settle(tags: [UInt64], epoch generation: UInt64, _ settlement: AMQPConnection.Settlement) {
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

    func readDelivery(
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
}
