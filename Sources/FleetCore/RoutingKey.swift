/// Routing keys of the bus (DESIGN.md): raw.<source>.<machine> and metrics.<machine>.<group>.
public enum RoutingKey {
    public static func raw(source: String, machine: String) -> String { "raw.\(source).\(machine)" }

    /// `group` is the kind of message: `samples` for a batch of samples, `processes` for a process snapshot.
    public static func metrics(machine: String, group: MetricGroup) -> String { "metrics.\(machine).\(group.rawValue)" }

    /// evaluators.<instance> on fleet.events: an alert evaluator's heartbeat.
    public static func evaluatorHeartbeat(instance: String) -> String { "evaluators.\(instance)" }
}

/// What a message on fleet.metrics carries.
public enum MetricGroup: String, Sendable {
    case samples
    case processes
}

/// Names of the protobuf messages on the bus (the AMQP `type` property).
public enum MessageType {
    public static let rawBatch = "fleetwatch.v1.RawBatch"
    public static let metricBatch = "fleetwatch.v1.MetricBatch"
    public static let alertTransition = "fleetwatch.v1.AlertTransition"
    public static let ruleChange = "fleetwatch.v1.RuleChange"
    public static let probeEcho = "fleetwatch.v1.ProbeEcho"
    public static let evaluatorHeartbeat = "fleetwatch.v1.EvaluatorHeartbeat"
}
