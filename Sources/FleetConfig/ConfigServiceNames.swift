/// The fully qualified names of the Fleetwatch services a config service registers (grpc.health.v1 and reflection
/// come from FleetRuntime's `StandardServices`), for its health checks and reflection listing.
public enum ConfigServiceNames {
    public static let all = [
        "fleetwatch.v1.Rules", "fleetwatch.v1.Alerts", "fleetwatch.v1.Silences", "fleetwatch.v1.Credentials",
        "fleetwatch.v1.FleetQuery",
        "monitoring.MetricsService",
    ]
}
