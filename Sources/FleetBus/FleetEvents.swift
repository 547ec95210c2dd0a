import FleetCore
import FleetProto

/// The messages of fleet.events that more than one process publishes, built in one place so every publisher
/// uses the same routing key and type.
public enum FleetEvents {
    /// An alert transition, on alerts.<machine>.<status>: the evaluators publish the transitions their values
    /// cause, the config service those that end alerts (`AlertEnd`).
    public static func alert(_ transition: Fleetwatch_V1_AlertTransition) throws -> OutgoingMessage {
        OutgoingMessage(
            exchange: FleetExchange.events,
            routingKey: RoutingKey.alert(machine: transition.machineID, status: RuleMapping.statusName(transition.to)),
            body: try transition.serializedBytes(), type: MessageType.alertTransition)
    }

    /// A machine retired by an operator, on machines.<machine>.retired: live views and evaluators forget it.
    public static func machineRetired(_ retired: Fleetwatch_V1_MachineRetired) throws -> OutgoingMessage {
        OutgoingMessage(
            exchange: FleetExchange.events, routingKey: RoutingKey.machineRetired(retired.machineID),
            body: try retired.serializedBytes(), type: MessageType.machineRetired)
    }
}
