import FleetBus
import FleetFanout
import FleetGateway
import FleetPostgres
import FleetRuntime
import FleetSettings
import FleetStore
import Foundation
import Logging

/// Feeds `hub` for as long as the process runs: declares this instance's fanout queue and follows it once
/// the broker answers, and meanwhile seeds the hub from history once the database answers. The process is ready
/// only once the seeding completed (`LiveViewSeeding.condition`), retried for as long as the database fails.
func followLiveFeed(
    _ fanout: FanoutConsumer, seedingFrom store: PostgresMetricStore, into hub: LiveHub, instance: String,
    bus: any MessageBus, readiness: Readiness, logger: Logger
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await declareWhenReachable(bus, topology: .fanout(instance: instance), readiness: readiness, logger: logger)
            try await fanout.run(now: currentTimeMillis)
        }
        readiness.set(LiveViewSeeding.condition, false)
        group.addTask {
            try await migrateWhenReachable(store, readiness: readiness, logger: logger)
            try await LiveViewSeeding.run(hub: hub, store: store, alerts: store, readiness: readiness, logger: logger)
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
