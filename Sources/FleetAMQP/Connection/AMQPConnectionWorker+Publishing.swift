import CRabbitMQ
import FleetBus

/// Sending publishes within the confirm window: messages go out on the publish channel, each registered
/// with the confirm tracker, their names copied into C memory once per publish call.
extension AMQPConnectionWorker {
    func pumpPublishes() {
        guard openChannels.contains(Self.publishChannel), reopenPublishChannelIfRefused(), let state else { return }
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
    struct SendCache {
        var exchange: (String, amqp_bytes_t)?
        var routingKey: (String, amqp_bytes_t)?
        var contentType: (String, amqp_bytes_t)?
        var type: (String, amqp_bytes_t)?
    }

    func cached(_ text: String, _ slot: WritableKeyPath<SendCache, (String, amqp_bytes_t)?>) -> amqp_bytes_t {
        if let (previous, bytes) = sendCache[keyPath: slot], previous == text { return bytes }
        let bytes = arena.bytes(text)
        sendCache[keyPath: slot] = (text, bytes)
        return bytes
    }

    func send(_ message: OutgoingMessage, on state: amqp_connection_state_t) -> Int32 {
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
}
