import FleetSettings
#if canImport(Glibc)
import Glibc
#endif

/// Refuses to start when a listen address is taken, naming the setting, before any service starts (a bind
/// failure deep inside a server only says "Address already in use"). Only IPv4 literals and `localhost` are
/// checked; a name or an IPv6 address is left to the server to report.
public func ensureListenable(_ addresses: [(HostPort, setting: String)]) throws(ConfigError) {
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
