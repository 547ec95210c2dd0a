import CRabbitMQ
import FleetBus

#if canImport(Glibc)
    import Glibc
#endif

/// Reading what the broker sends without blocking: confirms, deliveries, returns, channel and connection
/// closes, consumer cancellation and resource alarms, each handed to the part of the worker it concerns.
extension AMQPConnectionWorker {
    func readFrames() {
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

    func handle(_ frame: amqp_frame_t, into batch: inout [Delivery]) {
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
}
