import FleetCore
import FleetFanout
import FleetRuntime
import FleetStore
import Logging

/// What "ready" means for a process that answers from a `LiveHub` (the gateway, the config service, the hub): it
/// knows the fleet. Until the live view is loaded from history, `/api/v1/machines` lists only the machines heard
/// from since the start and `/api/v1/machines/<id>/history` answers 404 "no machine" for the others (issue 12,
/// defect 7: 2,000 machines took seconds to load while /readyz already said 200).
public enum LiveViewSeeding {
    /// The readiness condition: unmet until the live view was loaded from history.
    public static let condition = "history"

    /// Registers `condition` as unmet in `readiness`, loads every known machine and the open alerts into `hub`
    /// (`LiveHub.seed(from:logger:)`, `LiveHub.seedAlerts(from:logger:)`), and only then marks it met. While the
    /// database fails (down, or not migrated yet), the whole load is retried with backoff and jitter and the
    /// process stays not ready; loading again is harmless (live data that arrived meanwhile is newer and wins).
    /// Returns once loaded; throws only `CancellationError`.
    public static func run(
        hub: LiveHub, store: any MetricStore, alerts: any AlertStore, readiness: Readiness, logger: Logger,
        backoff: Backoff = Backoff(base: .milliseconds(200), cap: .seconds(5))
    ) async throws {
        readiness.set(condition, false)
        var failures = 0
        let loaded: Void? = await RetryPolicy(backoff: backoff).run({
            try await hub.seed(from: store, logger: logger)
            try await hub.seedAlerts(from: alerts, logger: logger)
        }, onFailure: { error, failed, delay in
            failures = failed
            logger.warning(
                "loading the fleet from history failed; not ready, retrying",
                metadata: ["error": "\(error)", "attempt": "\(failed)", "retry_in": "\(delay)"])
        })
        guard loaded != nil else { throw CancellationError() }
        if failures > 0 { logger.notice("the fleet loaded from history", metadata: ["attempts": "\(failures + 1)"]) }
        readiness.set(condition, true)
    }
}
