import FleetRuntime
import FleetSettings
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ensureListenable`: a taken listen address stops the start with an error naming the setting, before any service
/// binds; a free one, a name or an IPv6 address passes (the server reports those itself).
@Suite struct ListenAddressCheckTests {
    @Test func aPortInUseIsReportedNamingTheSetting() throws {
        let listener = try Listener()
        defer { listener.close() }
        let taken = HostPort(host: "127.0.0.1", port: listener.port)
        let error = #expect(throws: ConfigError.self) {
            try ensureListenable([(HostPort(host: "127.0.0.1", port: 0), "FLEETWATCH_HEALTH_ADDR"), (taken, "FLEETWATCH_HTTP_ADDR")])
        }
        #expect(
            error?.description
                == "FLEETWATCH_HTTP_ADDR: expected a free address (this one is already in use by another process), got '127.0.0.1:\(listener.port)'")
        #expect(throws: ConfigError.self, "localhost is checked as 127.0.0.1") {
            try ensureListenable([(HostPort(host: "localhost", port: listener.port), "--listen")])
        }
    }

    @Test func aFreePortANameAndIPv6Pass() throws {
        let listener = try Listener()
        let free = listener.port
        listener.close()
        try ensureListenable([
            (HostPort(host: "127.0.0.1", port: free), "FLEETWATCH_HTTP_ADDR"),
            (HostPort(host: "gateway.internal", port: 80), "FLEETWATCH_HTTP_ADDR"),
            (HostPort(host: "[::1]", port: free), "FLEETWATCH_HTTP_ADDR"),
        ])
    }

    /// A TCP socket listening on a free port of 127.0.0.1, as another process's server would.
    private struct Listener {
        let descriptor: Int32
        let port: Int

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try #require(descriptor >= 0, "socket(): errno \(errno)")
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
            }
            try #require(bound == 0 && listen(descriptor, 1) == 0, "bind/listen: errno \(errno)")
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            try #require(named == 0, "getsockname(): errno \(errno)")
            self.descriptor = descriptor
            self.port = Int(UInt16(bigEndian: address.sin_port))
        }

        func close() { _ = Glibc.close(descriptor) }
    }
}
