import FleetCore
import FleetProto

extension SilenceStore {
    /// `alerts` with `silenced_by` set to the ids of the silences active at `now` that match them
    /// (`AlertLabels.of(alert)`). Only open alerts (pending, firing) are marked: the others notify no one.
    /// Reads the store only when there is an open alert.
    public func markingSilenced(_ alerts: [Fleetwatch_V1_Alert], atMs now: Int64) async throws -> [Fleetwatch_V1_Alert] {
        guard alerts.contains(where: \.isOpen) else { return alerts }
        let active = try await silences(activeAtMs: now)
        return alerts.map { alert in
            var marked = alert
            marked.silencedBy = alert.isOpen ? active.silencing(AlertLabels.of(alert), atMs: now) : []
            return marked
        }
    }
}

extension Fleetwatch_V1_Alert {
    fileprivate var isOpen: Bool { status == .pending || status == .firing }
}
