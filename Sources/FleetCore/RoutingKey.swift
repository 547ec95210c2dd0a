/// Routing keys of the bus (DESIGN.md): raw.<source>.<machine> and metrics.<machine>.<group>.
public enum RoutingKey {
    public static func raw(source: String, machine: String) -> String { "raw.\(source).\(machine)" }

    /// raw.bundle on fleet.raw: the edge's `RawBundle` of many machines' batches.
    public static let rawBundle = "raw.bundle"

    /// `group` is the kind of message: `samples` for a batch of samples, `processes` for a process snapshot.
    public static func metrics(machine: String, group: MetricGroup) -> String { "metrics.\(machine).\(group.rawValue)" }

    /// metrics.s<slot>.<group> on fleet.metrics: a `MetricBundle` of the machines of one `MetricSlot`. The
    /// second word stands where a machine id stood, so `metrics.*.samples` still matches and the alert
    /// partitions' consistent hash still sends each machine to one partition.
    public static func metrics(slot: MetricSlot, group: MetricGroup) -> String { "metrics.s\(slot.index).\(group.rawValue)" }

    /// evaluators.<instance> on fleet.events: an alert evaluator's heartbeat.
    public static func evaluatorHeartbeat(instance: String) -> String { "evaluators.\(instance)" }

    /// alerts.<machine>.<status> on fleet.events: an alert transition (`status` is the REST spelling, e.g. firing).
    public static func alert(machine: String, status: String) -> String { "alerts.\(machine).\(status)" }

    /// machines.<machine>.retired on fleet.events: an operator retired the machine.
    public static func machineRetired(_ machine: String) -> String { "machines.\(machine).retired" }
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
    public static let rawBundle = "fleetwatch.v1.RawBundle"
    public static let metricBundle = "fleetwatch.v1.MetricBundle"
    public static let alertTransition = "fleetwatch.v1.AlertTransition"
    public static let ruleChange = "fleetwatch.v1.RuleChange"
    public static let probeEcho = "fleetwatch.v1.ProbeEcho"
    public static let evaluatorHeartbeat = "fleetwatch.v1.EvaluatorHeartbeat"
    public static let machineRetired = "fleetwatch.v1.MachineRetired"
}
