import FleetBus
import FleetCore
import FleetPostgres
import FleetRuntime
import FleetStore
import Logging

/// Runs `attempt` until it succeeds, backing off with jitter (at most 5 s) while the dependency it
/// needs is unreachable, so services start in any order; then marks `condition` ready. Errors that
/// `isRetryable` rejects (a topology conflict, say) are thrown at once.
func untilReachable(
    _ dependency: String, condition: String, readiness: Readiness, logger: Logger,
    isRetryable: (any Error) -> Bool = { _ in true }, retry: RetryPolicy = RetryPolicy(backoff: Backoff(cap: .seconds(5))),
    _ attempt: () async throws -> Void
) async throws {
    var refused: (any Error)?
    let outcome = await retry.run(
        attempts: .max,
        {
            do {
                try await attempt()
            } catch where !isRetryable(error) && !(error is CancellationError) {
                refused = error  // not waited out: ends the loop as if it had succeeded, then thrown
            }
        },
        onFailure: { error, failures, delay in
            logger.warning(
                "\(dependency) not reachable yet; retrying",
                metadata: ["error": "\(error)", "attempt": "\(failures)", "retry_in": "\(delay)"])
        })
    if let refused { throw refused }
    guard case .success = outcome else { throw CancellationError() }
    readiness.set(condition, true)
}

/// Declares `topology` once the broker answers.
func declareWhenReachable(_ bus: any MessageBus, topology: Topology, readiness: Readiness, logger: Logger) async throws {
    try await untilReachable(
        "broker", condition: "amqp", readiness: readiness, logger: logger,
        isRetryable: { error in
            guard let error = error as? BusError else { return false }
            if case .topology = error { return false }
            return true
        }
    ) { try await bus.declare(topology) }
}

/// Applies the schema migrations once PostgreSQL answers. A certificate refused under sslmode=verify-ca or
/// verify-full is not waited out: the process stops, naming FLEETWATCH_DATABASE_URL.
func migrateWhenReachable(_ store: PostgresMetricStore, readiness: Readiness, logger: Logger) async throws {
    logger.info("applying schema migrations (waits while PostgreSQL is unreachable)")
    try await store.configuration.checkCertificate(logger: logger)
    try await untilReachable("database", condition: "database", readiness: readiness, logger: logger) {
        try await store.migrate()
    }
}

/// While `condition` is unmet (the edge marks it after a failed publish), re-declares `topology` every `interval`,
/// so the broker connection comes back and /readyz turns ready by itself once the broker is reachable again —
/// without waiting for a collector's batch, which a load balancer that routes only to ready instances would never
/// send (scripts/chaos, the RabbitMQ fault).
func recoverWhileUnready(
    _ bus: any MessageBus, topology: Topology, condition: String, readiness: Readiness, logger: Logger,
    interval: Duration = .seconds(2)
) async throws {
    while !Task.isCancelled {
        try await Task.sleep(for: interval)
        guard readiness.unmet.contains(condition) else { continue }
        do {
            try await bus.declare(topology)
            readiness.set(condition, true)
            logger.notice("broker reachable again; ready", metadata: ["condition": "\(condition)"])
        } catch {
            logger.debug("broker still unreachable", metadata: ["error": "\(error)"])
        }
    }
}
