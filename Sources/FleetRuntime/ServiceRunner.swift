import Logging
import ServiceLifecycle

/// Runs a process's services (the one serving health first, so it outlives the others) until SIGTERM or
/// SIGINT, then shuts them down in reverse order so in-flight work drains before the process exits. A service
/// that fails (a port already in use, say) also shuts the others down gracefully rather than cancelling them
/// mid-connection.
public func runServices(_ services: [any Service], health: any Service, logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: (Observability.services + [health] + services).map { .init(service: $0, failureTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
    )
    try await group.run()
    logger.info("stopped")
}
