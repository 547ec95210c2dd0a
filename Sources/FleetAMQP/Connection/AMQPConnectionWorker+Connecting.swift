import CRabbitMQ
import FleetBus

#if canImport(Glibc)
    import Glibc
#endif

/// Opening the broker connection (socket, login with client properties) to one of the cluster's nodes,
/// reconnecting with backoff, and tearing it down when it is lost or closed.
extension AMQPConnectionWorker {
    func ensureConnected(force: Bool) throws(BusError) {
        if state != nil { return }
        if !force && ContinuousClock.now < nextAttempt {
            throw .unavailable("\(nodes.nodes) unreachable, next attempt in \(nextAttempt - .now): \(lastFailure)")
        }
        do {
            try connectToAnyNode()
            failedAttempts = 0
            nextAttempt = .now
        } catch {
            lastFailure = error.description
            nextAttempt = .now + configuration.backoff.delay(attempt: failedAttempts, unit: configuration.random())
            failedAttempts += 1
            throw error
        }
    }

    /// One attempt: every node once, starting with the current one, which stays current on success. All
    /// refusing throws every node's failure; the rotation is then back where it started.
    func connectToAnyNode() throws(BusError) {
        if nodes.count == 1 { return try connect(to: nodes.current) }
        var failures: [String] = []
        for _ in 0..<nodes.count {
            do {
                try connect(to: nodes.current)
                return
            } catch {
                let why: String
                if case .unavailable(let text) = error { why = text } else { why = error.description }
                failures.append(why)
                nodes.advance()
            }
        }
        throw .unavailable(failures.joined(separator: "; "))
    }

    func connect(to url: AMQPURL) throws(BusError) {
        guard let newState = amqp_new_connection() else { throw .unavailable("amqp_new_connection failed") }
        let socket: OpaquePointer
        do throws(BusError) {
            socket = try Self.makeSocket(newState, for: url)
        } catch {
            amqp_destroy_connection(newState)
            throw error
        }
        var connectTimeout = Self.cTimeval(configuration.connectTimeout)
        errno = 0
        let opened = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &connectTimeout)
        guard opened == AMQP_STATUS_OK.rawValue else {
            // rabbitmq-c says only "a socket error occurred"; errno tells refused from unreachable.
            let cause = errno != 0 ? " (\(String(cString: strerror(errno))))" : ""
            amqp_destroy_connection(newState)
            throw .unavailable(
                "cannot connect to \(url.host):\(url.port): \(Self.errorText(opened))\(cause)\(Self.tlsHint(opened, url: url))")
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
        if let previousNode {
            metrics.reconnects.increment()
            let switched = previousNode == url ? "" : ", was \(previousNode.host):\(previousNode.port)"
            logger.info("reconnected to \(url)\(nodes.position)\(switched)")
        } else if nodes.count > 1 {
            logger.info("connected to \(url)\(nodes.position)")
        } else {
            logger.debug("connected to \(url)")
        }
        previousNode = url
    }

    /// The connection is gone (socket error, heartbeat timeout, connection.close): fail what waited
    /// on it and, for a consumer, schedule the resubscription.
    func connectionLost(_ reason: String) {
        guard let lost = state else { return }
        state = nil
        amqp_destroy_connection(lost)
        openChannels = []
        publishChannelRefused = false
        arena.reset()
        sendCache = SendCache()
        failPublishes { _ in .unavailable("connection to \(nodes.current) lost: \(reason)") }
        if consuming {
            consuming = false
            unsettled.reset()
        }
        lastFailure = reason
        // The node may be gone: the next attempt starts with the following one (a single node stays).
        nodes.advance()
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
