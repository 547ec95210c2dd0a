import CRabbitMQ
import FleetBus

/// The socket of a connection: plain TCP for `amqp://`, rabbitmq-c's OpenSSL socket for `amqps://`, verifying
/// the broker's certificate against `cacertfile` and its name against the URL's host, presenting
/// `certfile`/`keyfile` when given.
extension AMQPConnectionWorker {
    static func makeSocket(_ state: amqp_connection_state_t, for url: AMQPURL) throws(BusError) -> OpaquePointer {
        guard let tls = url.tls else {
            guard let socket = amqp_tcp_socket_new(state) else { throw .unavailable("amqp_tcp_socket_new failed") }
            return socket
        }
        guard let socket = amqp_ssl_socket_new(state) else { throw .unavailable("amqp_ssl_socket_new failed") }
        amqp_ssl_socket_set_verify_peer(socket, 1)
        amqp_ssl_socket_set_verify_hostname(socket, 1)
        let ca = amqp_ssl_socket_set_cacert(socket, tls.caFile)
        guard ca == AMQP_STATUS_OK.rawValue else {
            throw .unavailable("\(AMQPURL.environmentVariable): cacertfile '\(tls.caFile)': \(errorText(ca))")
        }
        if let certificate = tls.certificateFile, let key = tls.keyFile {
            let pair = amqp_ssl_socket_set_key(socket, certificate, key)
            guard pair == AMQP_STATUS_OK.rawValue else {
                throw .unavailable(
                    "\(AMQPURL.environmentVariable): certfile '\(certificate)' / keyfile '\(key)': \(errorText(pair))")
            }
        }
        return socket
    }

    /// Advice naming the setting when opening an amqps connection failed in the handshake.
    static func tlsHint(_ status: Int32, url: AMQPURL) -> String {
        guard let tls = url.tls else { return "" }
        switch status {
        case AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue:
            return " (the broker's certificate does not chain to cacertfile=\(tls.caFile) of \(AMQPURL.environmentVariable))"
        case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue:
            return " (the broker's certificate does not name \(url.host), the host of \(AMQPURL.environmentVariable))"
        case AMQP_STATUS_SSL_ERROR.rawValue, AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue:
            return " (is \(url.host):\(url.port) RabbitMQ's TLS listener? \(AMQPURL.environmentVariable) is amqps://)"
        default:
            return ""
        }
    }
}
