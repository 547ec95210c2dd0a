import FleetProto
import FleetStore
import GRPCCore

/// fleetwatch.v1.Alerts: alert history as the evaluators recorded it, open alerts with `silenced_by` naming the
/// silences active now that match them.
public struct AlertsService: Fleetwatch_V1_Alerts.SimpleServiceProtocol {
    let store: any AlertStore
    let silences: any SilenceStore
    let now: @Sendable () -> Int64

    public init(store: any AlertStore, silences: any SilenceStore, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.silences = silences
        self.now = now
    }

    public func list(request: Fleetwatch_V1_ListAlertsRequest, context: ServerContext) async throws
        -> Fleetwatch_V1_ListAlertsResponse
    {
        guard request.limit >= 0, request.limit <= 1000 else {
            throw RPCError(code: .invalidArgument, message: "limit: must be between 0 (default 100) and 1000")
        }
        do {
            let alerts = try await silences.markingSilenced(try await store.alerts(request), atMs: now())
            return .with { $0.alerts = [] }.with(alerts: alerts)
        } catch {
            throw RPCError(code: .unavailable, message: "the alert or silence store is not answering: \(error)")
        }
    }

    public func get(request: Fleetwatch_V1_GetAlertRequest, context: ServerContext) async throws -> Fleetwatch_V1_Alert {
        let found: Fleetwatch_V1_Alert?
        do {
            found = try await store.alert(id: request.id)
        } catch {
            throw RPCError(code: .unavailable, message: "the alert store is not answering: \(error)")
        }
        guard let found else { throw RPCError(code: .notFound, message: "no alert '\(request.id)'") }
        do {
            return try await silences.markingSilenced([found], atMs: now())[0]
        } catch {
            throw RPCError(code: .unavailable, message: "the silence store is not answering: \(error)")
        }
    }
}

extension Fleetwatch_V1_ListAlertsResponse {
    fileprivate func with(alerts: [Fleetwatch_V1_Alert]) -> Self {
        var copy = self
        copy.alerts = alerts
        return copy
    }
}
