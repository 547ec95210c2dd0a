import FleetSettings
import Testing

/// The one `host[:port]` reading shared by HostPort, GRPCEndpoint, AMQPURL, the PostgreSQL URL, the scrape target
/// and the notify config's smarthost.
@Suite struct HostPortTests {
    @Test func splitsAtThePortsColonAndUnbracketsIPv6() throws {
        #expect(try HostPort.split("db.example.com:5432") == ("db.example.com", "5432"))
        #expect(try HostPort.split("db.example.com") == ("db.example.com", nil))
        #expect(try HostPort.split("[::1]:9000") == ("::1", "9000"))
        #expect(try HostPort.split("[::1]") == ("::1", nil))
        #expect(try HostPort.split("host:") == ("host", ""))
        #expect(try HostPort.split("[::1]:25") == ("::1", "25"), "a smarthost on IPv6 loopback")
        #expect(throws: HostPort.SplitError.unterminatedIPv6) { try HostPort.split("[::1") }
        #expect(throws: HostPort.SplitError.unexpectedAfterIPv6("x")) { try HostPort.split("[::1]x") }
    }

    @Test func portsAreNumbersInTheirRange() {
        #expect(HostPort.port("7070") == 7070)
        #expect(HostPort.port("0") == nil)
        #expect(HostPort.port("0", in: 0...65535) == 0)
        #expect(HostPort.port("65536") == nil)
        #expect(HostPort.port("") == nil)
    }

    @Test func listenAddressesKeepTheirHostAsWrittenAndTheirError() throws {
        #expect(try HostPort(parsing: "http://0.0.0.0:8080/", setting: "--listen") == HostPort(host: "0.0.0.0", port: 8080))
        #expect(try HostPort(parsing: "[::1]:0", setting: "--listen").description == "[::1]:0")
        let error = #expect(throws: ConfigError.self) { try HostPort(parsing: ":8080", setting: "--listen") }
        #expect(error?.description == "--listen: expected host:port (for example 127.0.0.1:8080), got ':8080'")
        #expect(throws: ConfigError.self) { try HostPort(parsing: "localhost", setting: "--listen") }
        #expect(throws: ConfigError.self) { try HostPort(parsing: "[::1:80", setting: "--listen") }
    }
}
