import FleetSettings
import Testing

@testable import FleetPostgres
@testable import FleetStore

@Suite struct PostgresStoreConfigurationTests {
    @Test func defaultURLParses() throws {
        let configuration = try PostgresStoreConfiguration(url: PostgresStoreConfiguration.defaultURL)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 5432)
        #expect(configuration.username == "fleetwatch")
        #expect(configuration.password == nil)
        #expect(configuration.database == "fleetwatch")
        #expect(configuration.tls == .disable)
        #expect(configuration.unixSocketPath == nil)
    }

    @Test func passwordPortQueryAndPercentEncoding() throws {
        let configuration = try PostgresStoreConfiguration(
            url: "postgresql://fw%40ops:p%3Ass%2Fw@db.example:6543/metrics%20db?sslmode=require&search_path=fw_test")
        #expect(configuration.username == "fw@ops")
        #expect(configuration.password == "p:ss/w")
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "metrics db")
        #expect(configuration.tls == .require)
        #expect(configuration.searchPath == "fw_test")
    }

    @Test func ipv6HostAndMissingDatabaseDefaultsToUser() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://alice@[::1]:5433")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 5433)
        #expect(configuration.database == "alice")
    }

    @Test func unixSocketDirectory() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://fleetwatch@/fleetwatch?host=/tmp/pg")
        #expect(configuration.unixSocketPath == "/tmp/pg/.s.PGSQL.5432")
    }

    @Test func environmentDefaultsAndOverrides() throws {
        #expect(try PostgresStoreConfiguration.fromEnvironment([:]).port == 5432)
        #expect(try PostgresStoreConfiguration.fromEnvironment(["FLEETWATCH_DATABASE_URL": ""]).port == 5432)
        let custom = try PostgresStoreConfiguration.fromEnvironment([
            "FLEETWATCH_DATABASE_URL": "postgres://fw@127.0.0.1:15432/fw"
        ])
        #expect(custom.port == 15432)
    }

    @Test(arguments: [
        ("mysql://u@h/db", "scheme"),
        ("postgres://h:5432/db", "user name"),
        ("postgres://u@h:99999/db", "port"),
        ("postgres://u@h:abc/db", "port"),
        ("postgres://u@h/db?sslmode=allow", "sslmode"),
        ("postgres://u@h/db?foo=bar", "unknown parameter"),
        ("postgres://u@/db", "host"),
    ])
    func badURLsNameTheVariableAndTheExpectedForm(url: String, problem: String) {
        #expect {
            _ = try PostgresStoreConfiguration.fromEnvironment(["FLEETWATCH_DATABASE_URL": url])
        } throws: { error in
            let description = "\(error)"
            return description.hasPrefix("FLEETWATCH_DATABASE_URL: expected postgres://user[:password]@host")
                && description.contains("got '\(url)'") && description.contains(problem)
        }
    }

    @Test func errorsNeverShowThePassword() {
        #expect {
            _ = try PostgresStoreConfiguration(url: "postgres://u:secret@h:0/db")
        } throws: { error in
            "\(error)".contains("postgres://u:***@h:0/db") && !"\(error)".contains("secret")
        }
        #expect(Redaction.url("postgres://u@h/db") == "postgres://u@h/db")
    }
}
