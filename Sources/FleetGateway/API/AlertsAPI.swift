import FleetCore
import FleetProto
import FleetStore
import Foundation
import Hummingbird
import Logging

/// GET /api/v1/alerts and /api/v1/alerts/detail (docs/api.md), read from alert history; open alerts name the
/// silences active now that match them in `silenced_by`.
struct AlertsAPI: Sendable {
    let store: any AlertStore
    let silences: (any SilenceStore)?
    let logger: Logger
    let now: @Sendable () -> Int64

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/v1/alerts") { request, _ in try await list(request.uri.queryParameters) }
        router.get("/api/v1/alerts/detail") { request, _ in
            guard let id = request.uri.queryParameters.get("id"), !id.isEmpty else {
                throw APIError.badParameter("id", "id is required: the alert id from GET /api/v1/alerts")
            }
            guard let alert = try await read({ try await store.alert(id: id) }) else {
                throw APIError(.notFound, "no alert '\(id)'")
            }
            return try JSONResponse.make(AlertView(try await markingSilenced([alert])[0], withHistory: true))
        }
    }

    func list(_ parameters: Parameters) async throws -> Response {
        var filter = Fleetwatch_V1_ListAlertsRequest()
        for name in (parameters.get("status") ?? "").split(separator: ",") {
            guard let status = AlertStatus(rawValue: String(name)) else {
                throw APIError.badParameter("status", "status takes pending, firing, resolved or inactive (got '\(name)')")
            }
            filter.statuses.append(RuleMapping.status(status))
        }
        filter.machineID = parameters.get("machine_id") ?? ""
        filter.ruleID = parameters.get("rule_id") ?? ""
        if let since = parameters.get("since") {
            guard let duration = DurationText.parse(since) else {
                throw APIError.badParameter("since", "since must be a duration such as 1h or 7d (got '\(since)')")
            }
            filter.sinceMs = now() - duration.components.seconds * 1000
        }
        if let limit = parameters.get("limit") {
            guard let value = Int32(limit), (1...1000).contains(value) else {
                throw APIError.badParameter("limit", "limit must be 1 to 1000 (got '\(limit)')")
            }
            filter.limit = value
        }
        let alerts = try await markingSilenced(try await read { try await store.alerts(filter) })
        return try JSONResponse.make(AlertList(alerts: alerts.map { AlertView($0) }))
    }

    private func markingSilenced(_ alerts: [Fleetwatch_V1_Alert]) async throws -> [Fleetwatch_V1_Alert] {
        guard let silences else { return alerts }
        return try await read { try await silences.markingSilenced(alerts, atMs: now()) }
    }

    private func read<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            logger.warning("alert history query failed", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "alert history is not answering; try again shortly")
        }
    }
}

private struct AlertList: Encodable {
    var alerts: [AlertView]
}
