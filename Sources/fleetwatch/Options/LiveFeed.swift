import FleetBus
import FleetFanout
import FleetRuntime
import FleetSettings
import FleetStore
import Foundation
import Logging

/// Feeds `hub` for as long as the process runs: declares this instance's fanout queue and follows it once
/// the broker answers, and meanwhile seeds the hub from history once the database answers.
func followLiveFeed(
    _ fanout: FanoutConsumer, seedingFrom store: PostgresMetricStore, into hub: LiveHub, instance: String,
    bus: any MessageBus, readiness: Readiness, logger: Logger
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await declareWhenReachable(bus, topology: .fanout(instance: instance), readiness: readiness, logger: logger)
            try await fanout.run(now: currentTimeMillis)
        }
        group.addTask {
            try await migrateWhenReachable(store, readiness: readiness, logger: logger)
            try await hub.seed(from: store, logger: logger)
            try await hub.seedAlerts(from: store, logger: logger)
        }
        try await group.waitForAll()
    }
}

/// A name for this process's fanout queue: `prefix-` and 8 random hex digits unless configured.
func instanceName(_ configured: String?, prefix: String, setting: String) throws -> String {
    let id = configured ?? prefix + "-" + UUID().uuidString.prefix(8).lowercased()
    guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
        throw ConfigError(setting: setting, expected: "letters, digits, - and _", got: id)
    }
    return id
}
