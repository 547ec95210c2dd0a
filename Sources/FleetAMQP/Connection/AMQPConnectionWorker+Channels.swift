import CRabbitMQ
import FleetBus

/// The worker's channels: opening them on demand (the publish channel in confirm mode), declaring
/// exchanges, queues and bindings, and what a channel closed by the broker means for its users.
extension AMQPConnectionWorker {
    func ensureChannel(_ channel: amqp_channel_t) throws(BusError) {
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

    func declare(_ topology: Topology, on channel: amqp_channel_t) throws(BusError) {
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

    func channelClosedByBroker(
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
}
