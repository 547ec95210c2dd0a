import FleetBus
import FleetCore
import FleetFanout
import Foundation
import Hummingbird
import Logging
import Synchronization

/// GET /api/v1/pipeline (docs/api.md): the health of the pipeline behind the dashboard — every queue's
/// depth, consumers and dead letters, and the per-hop latency of the synthetic transactions this gateway
/// saw (`fleetwatch probe`).
struct PipelineAPI: Sendable {
    let hub: LiveHub
    let inspector: (any QueueInspector)?
    let logger: Logger
    let now: @Sendable () -> Int64
    let cache = QueueStatusCache()

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/v1/pipeline") { _, _ in try JSONResponse.make(await view()) }
    }

    func view() async -> PipelineView {
        var view = PipelineView(
            nowMs: now(), probe: hub.probeLatencies())
        guard let inspector else {
            view.queuesError = "this gateway was started without a queue inspector"
            return view
        }
        do {
            view.queues = PipelineView.queues(from: try await cache.statuses(at: view.nowMs) { try await inspector.queueStatus() })
        } catch {
            logger.debug("queue figures unavailable", metadata: ["error": "\(error)"])
            view.queuesError = "queue figures unavailable: \(error)"
        }
        return view
    }
}

/// The last queue figures for a second: every open Pipeline page polls, the management API answers once.
final class QueueStatusCache: Sendable {
    private let latest = Mutex<(atMs: Int64, statuses: [QueueStatus])?>(nil)
    private let maxAgeMs: Int64

    init(maxAgeMs: Int64 = 1_000) { self.maxAgeMs = maxAgeMs }

    func statuses(at nowMs: Int64, read: () async throws -> [QueueStatus]) async throws -> [QueueStatus] {
        if let cached = latest.withLock({ $0 }), nowMs - cached.atMs < maxAgeMs, nowMs >= cached.atMs { return cached.statuses }
        let statuses = try await read()
        latest.withLock { $0 = (nowMs, statuses) }
        return statuses
    }
}

struct PipelineView: Encodable {
    var nowMs: Int64
    var queues: [QueueView] = []
    var queuesError: String?
    var probe: [HopLatency]

    /// Each queue once, with the messages waiting in its dead-letter queue (`<name>.dlq`) beside it.
    static func queues(from statuses: [QueueStatus]) -> [QueueView] {
        let byName = Dictionary(statuses.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return statuses.filter { !$0.name.hasSuffix(".dlq") }.map { status in
            QueueView(
                name: status.name, ready: status.ready, unacked: status.unacked, consumers: status.consumers,
                deadLettered: byName[status.name + ".dlq"]?.ready)
        }
    }

    enum CodingKeys: String, CodingKey {
        case queues, probe
        case nowMs = "now_ms"
        case queuesError = "queues_error"
    }
}

struct QueueView: Encodable, Equatable {
    var name: String
    var ready: Int
    var unacked: Int
    var consumers: Int
    /// Ready messages of the queue's DLQ; nil when it has none (perishable queues).
    var deadLettered: Int?

    enum CodingKeys: String, CodingKey {
        case name, ready, unacked, consumers
        case deadLettered = "dead_lettered"
    }
}
