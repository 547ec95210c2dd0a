import ArgumentParser
import FleetLogging
import FleetRuntime
import FleetSettings
import Logging

/// Flags every long-running process shares.
struct ServiceOptions: ParsableArguments {
    @Option(
        name: .customLong("health-addr"),
        help: "Listen address of /healthz, /readyz and /metrics (FLEETWATCH_HEALTH_ADDR; port 0 picks a free one).")
    var healthAddress: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (FLEETWATCH_LOG_LEVEL).")
    var logLevel: String?

    func health(default fallback: String) throws -> HostPort {
        try HostPort(
            parsing: Setting.value(healthAddress, env: "FLEETWATCH_HEALTH_ADDR", default: fallback),
            setting: "FLEETWATCH_HEALTH_ADDR")
    }

    func level() throws -> Logger.Level {
        try Logger.Level.fromSetting(logLevel)
    }
}

/// Where RabbitMQ is.
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("amqp-url"), help: "RabbitMQ URL, or a cluster's node URLs separated by commas (FLEETWATCH_AMQP_URL, default \(Defaults.amqpURL)).")
    var amqpURL: String?

    var url: String { Setting.value(amqpURL, env: "FLEETWATCH_AMQP_URL", default: Defaults.amqpURL) }
}

/// Where PostgreSQL is.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (FLEETWATCH_DATABASE_URL, default \(Defaults.databaseURL)).")
    var databaseURL: String?

    var url: String { Setting.value(databaseURL, env: "FLEETWATCH_DATABASE_URL", default: Defaults.databaseURL) }
}
