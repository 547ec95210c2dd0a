import FleetCore
import FleetFanout
import FleetStore
import Foundation
import Hummingbird
import Logging

/// The REST API under /api/v1 (docs/api.md): machines and their latest values from the live view,
/// history from the store, and the OpenAPI document that describes it.
public struct FleetAPI: Sendable {
    let hub: LiveHub
    let store: any GatewayStore
    let thresholds: MachineStatus.Thresholds
    let now: @Sendable () -> Int64
    let logger: Logger

    public init(
        hub: LiveHub, store: any GatewayStore, thresholds: MachineStatus.Thresholds, logger: Logger,
        now: @escaping @Sendable () -> Int64
    ) {
        self.hub = hub
        self.store = store
        self.thresholds = thresholds
        self.logger = logger
        self.now = now
    }

    public func add<Context: RequestContext>(to router: Router<Context>) {
        let api = router.group("/api/v1")
        api.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        api.get("/machines") { request, _ in
            let parameters = request.uri.queryParameters
            return try machines(try MachineQuery.parse { parameters.getAll($0) })
        }
        api.get("/machines/:id") { _, context in try machine(try id(context)) }
        api.get("/machines/:id/history") { request, context in
            try await history(try id(context), parameters: request.uri.queryParameters)
        }
    }

    private func id(_ context: some RequestContext) throws -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty else {
            throw APIError(.badRequest, "a machine id is required")
        }
        return id
    }

    /// The machines `query` admits in display order (hostname, then id), one page of them.
    func machines(_ query: MachineQuery = MachineQuery()) throws -> Response {
        let nowMs = now()
        let matching = hub.machines().compactMap { machine -> (LiveMachine, MachineAlerts)? in
            let alerts = hub.alerts(of: machine.machineID, atMs: nowMs)
            return query.matches(machine, nowMs: nowMs, thresholds: thresholds, alerts: alerts) ? (machine, alerts) : nil
        }
        let start = min(query.offset, matching.count)
        let end = query.limit.map { min(matching.count, start + $0) } ?? matching.count
        return try JSONResponse.make(
            MachineListView(
                nowMs: nowMs, thresholds: thresholds, total: matching.count,
                nextOffset: end < matching.count ? end : nil,
                machines: matching[start..<end].map { MachineView($0, nowMs: nowMs, thresholds: thresholds, alerts: $1) }))
    }

    func machine(_ id: String) throws -> Response {
        guard let machine = hub.machine(id) else { throw APIError(.notFound, "no machine '\(id)'") }
        let nowMs = now()
        return try JSONResponse.make(
            MachineDetailView(
                machine: MachineView(machine, nowMs: nowMs, thresholds: thresholds, alerts: hub.alerts(of: id, atMs: nowMs)),
                latest: machine.latest.map { SampleView($0) },
                processes: machine.processes.map { ProcessesView($0) }))
    }

    func history(_ id: String, parameters: Parameters) async throws -> Response {
        let query = try HistoryQuery.parse(
            { parameters.getAll($0) }, now: Date(timeIntervalSince1970: Double(now()) / 1000))
        guard hub.machine(id) != nil else { throw APIError(.notFound, "no machine '\(id)'") }
        let history: MetricHistory
        do {
            history = try await store.history(
                machine: id, metric: query.metric, labels: query.labels, from: query.from, to: query.to, step: query.step)
        } catch {
            logger.warning("history query failed", metadata: ["machine": "\(id)", "error": "\(error)"])
            throw APIError(.serviceUnavailable, "the history store is not answering; try again shortly")
        }
        return JSONResponse.make(text: HistoryView(machineID: id, query: query, history: history).json)
    }
}
