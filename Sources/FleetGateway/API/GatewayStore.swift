import FleetStore

/// What the gateway reads directly: history and alert history (PostgreSQL, or SQLite in the hub).
public typealias GatewayStore = MetricStore & AlertStore
