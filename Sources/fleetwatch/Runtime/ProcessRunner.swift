import FleetRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import FleetSettings
import Logging
import Prometheus
import ServiceLifecycle

/// Runs a process's services (the one serving health first, so it outlives the others) until SIGTERM or
/// SIGINT, then shuts them down in reverse order so in-flight work drains before the process exits. A service
/// that fails (a port already in use, say) also shuts the others down gracefully rather than cancelling them
/// mid-connection.
func runServices(_ services: [any Service], health: any Service, logger: Logger) async throws {
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

/// Refuses to start when a listen address is taken, naming the setting, before any service starts (a bind
/// failure deep inside a server only says "Address already in use").
func ensureListenable(_ addresses: [(HostPort, setting: String)]) throws {
    for (address, setting) in addresses {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { continue }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = in_port_t(UInt16(address.port).bigEndian)
        guard inet_pton(AF_INET, address.host == "localhost" ? "127.0.0.1" : address.host, &socketAddress.sin_addr) == 1
        else { continue }  // a name or IPv6: let the server report it
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if bound != 0 && errno == EADDRINUSE {
            throw ConfigError(setting: setting, expected: "a free address (this one is already in use by another process)", got: "\(address)")
        }
    }
}
