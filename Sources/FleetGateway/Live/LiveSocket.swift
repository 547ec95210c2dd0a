import FleetCore
import FleetFanout
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// WebSocket /api/v1/live: one subscription to the `LiveHub` per connection. A reader task turns the
/// browser's subscribe messages into topics; a writer task sends coalesced updates (the overview's at most one
/// per interval). A slow browser only
/// delays its own writer, and what waits for it is bounded by the number of machines and series.
public struct LiveSocket: Sendable {
    let hub: LiveHub
    let gatewayID: String
    let thresholds: MachineStatus.Thresholds
    let origins: OriginPolicy
    let now: @Sendable () -> Int64
    let logger: Logger
    private let refusedOrigins = Counter(label: "fleetwatch_gateway_live_refused_origins_total")
    private let connections = Gauge(label: "fleetwatch_gateway_live_connections")
    private let framesSent = Counter(label: "fleetwatch_gateway_live_frames_total")

    public init(
        hub: LiveHub, gatewayID: String, thresholds: MachineStatus.Thresholds, origins: OriginPolicy = OriginPolicy(),
        logger: Logger, now: @escaping @Sendable () -> Int64
    ) {
        self.origins = origins
        self.hub = hub
        self.gatewayID = gatewayID
        self.thresholds = thresholds
        self.logger = logger
        self.now = now
    }

    public func add<Context: WebSocketRequestContext>(to router: Router<Context>) {
        router.ws("/api/v1/live") { request, _ in
            let origin = request.headers[.origin]
            guard origins.allows(origin: origin, host: request.head.authority) else {
                refusedOrigins.increment()
                logger.warning("live WebSocket refused: foreign origin", metadata: ["origin": "\(origin ?? "")"])
                throw APIError(
                    .forbidden,
                    "origin \(origin ?? "") may not open the live feed (FLEETWATCH_ALLOWED_ORIGINS lists extra origins)")
            }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, _ in
            try await serve(inbound: inbound, outbound: outbound)
        }
    }

    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let subscription = hub.subscribe()
        connections.record(hub.subscriberCount)
        defer {
            subscription.cancel()
            connections.record(hub.subscriberCount)
        }
        try await outbound.write(
            .text(
                try LiveMessage.encode(
                    LiveMessage.Hello(
                        gateway: gatewayID, nowMs: now(), staleAfterSeconds: thresholds.staleAfter.components.seconds,
                        offlineAfterSeconds: thresholds.offlineAfter.components.seconds,
                        silentAfterSeconds: thresholds.silentAfter.components.seconds))))
        // What the reader chose last; the writer shapes and paces the fleet's updates by it.
        let chosen = ChosenFormat()
        // The process stopping cancels both loops; the server then closes the socket.
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { subscription.cancel() }
                    for try await message in inbound.messages(maxSize: 16 * 1024) {
                        guard case .text(let text) = message else {
                            subscription.notify("send JSON text messages")
                            continue
                        }
                        switch LiveMessage.request(from: text) {
                        case .success(let request):
                            chosen.format.withLock { $0 = request.format }
                            subscription.follow(request.topic)
                        case .failure(let error):
                            subscription.notify(error.message)
                        }
                    }
                }
                group.addTask {
                    for await update in subscription.updates {
                        let format = chosen.format.withLock { $0 }
                        let nowMs = now()
                        let frames = try LiveMessage.frames(
                            for: update, nowMs: nowMs, thresholds: thresholds,
                            alertsOf: { hub.alerts(of: $0, atMs: nowMs) }, silencedBy: { hub.silencedBy($0, atMs: nowMs) },
                            format: format)
                        for frame in frames {
                            try await outbound.write(.text(frame))
                            framesSent.increment()
                        }
                        // Coalescing: what changes meanwhile waits in the hub as a set of machine ids and goes out
                        // in one message after the pause.
                        if let pause = format.pause {
                            try await Task.sleep(for: pause)
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}

/// The format a connection's reader chose last, shared with its writer.
private final class ChosenFormat: Sendable {
    let format = Mutex(LiveRequest.Format.machines)
}
