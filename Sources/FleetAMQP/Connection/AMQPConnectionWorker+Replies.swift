import CRabbitMQ
import FleetBus

#if canImport(Glibc)
    import Glibc
#endif

/// The replies of synchronous rabbitmq-c calls as `BusError`s, error texts and C time conversions.
extension AMQPConnectionWorker {
    /// Turns the reply of the last synchronous call into success or a BusError. A channel error
    /// (NOT_FOUND, PRECONDITION_FAILED, ACCESS_REFUSED, RESOURCE_LOCKED) closes only that channel and
    /// becomes `.topology` with the broker's text; everything else means the connection is gone.
    func checkReply(_ what: String, channel: amqp_channel_t) throws(BusError) {
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
