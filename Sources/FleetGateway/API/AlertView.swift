import FleetCore
import FleetProto
import FleetStore

/// An alert as the API shows it (docs/api.md, "Alerts and rules"): the shape the CLI prints too (`AlertJSON`).
typealias AlertView = AlertJSON

extension AlertJSON {
    /// The alert a transition belongs to, as of that transition (WebSocket alert messages).
    /// `silencedBy`: the active silences that match it (`LiveHub.silencedBy`).
    init(_ transition: Fleetwatch_V1_AlertTransition, silencedBy: [String] = []) {
        var alert = AlertRecord.alert(id: AlertRecord.id(of: transition), latest: transition, startedMs: transition.sequence)
        alert.silencedBy = silencedBy
        self.init(alert)
    }
}
