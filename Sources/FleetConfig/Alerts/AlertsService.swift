import FleetProto
import FleetStore
import GRPCCore

/// fleetwatch.v1.Alerts: alert history as the evaluators recorded it.
public struct AlertsService: Fleetwatch_V1_Alerts.SimpleServiceProtocol {
    let store: any AlertStore

    public init(store: any AlertStore) {
        self.store = store
    }

    public func list(request: Fleetwatch_V1_ListAlertsRequest, context: ServerContext) async throws
        -> Fleetwatch_V1_ListAlertsResponse
    {
        guard request.limit >= 0, request.limit <= 1000 else {
            throw RPCError(code: .invalidArgument, message: "limit: must be between 0 (default 100) and 1000")
        }
        do {
            return .with { $0.alerts = [] }.with(alerts: try await store.alerts(request))
        } catch {
            throw RPCError(code: .unavailable, message: "the alert store is not answering: \(error)")
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
        return found
    }
}

extension Fleetwatch_V1_ListAlertsResponse {
    fileprivate func with(alerts: [Fleetwatch_V1_Alert]) -> Self {
        var copy = self
        copy.alerts = alerts
        return copy
    }
}
