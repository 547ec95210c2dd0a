import CRabbitMQ
import FleetBus

#if canImport(Glibc)
    import Glibc
#endif

/// Opening the broker connection (socket, login with client properties), reconnecting with backoff, and
/// tearing it down when it is lost or closed.
extension AMQPConnectionWorker {
    func ensureConnected(force: Bool) throws(BusError) {
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

    func connect() throws(BusError) {
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

    /// The connection is gone (socket error, heartbeat timeout, connection.close): fail what waited
    /// on it and, for a consumer, schedule the resubscription.
    func connectionLost(_ reason: String) {
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

    func closeBrokerConnection() {
        if let state {
            _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
            amqp_destroy_connection(state)
            self.state = nil
        }
        failPublishes { _ in .closed }
    }
}
