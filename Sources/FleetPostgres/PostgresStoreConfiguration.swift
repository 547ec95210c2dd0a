import FleetSettings
import Foundation
import PostgresNIO

/// Where and how `PostgresMetricStore` connects, parsed from a `postgres://` URL
/// (FLEETWATCH_DATABASE_URL) so every process and script shares one notation.
public struct PostgresStoreConfiguration: Sendable, Equatable {
    /// Transport security, as libpq's `sslmode` names it: `prefer` and `require` encrypt without checking the
    /// server's certificate; `verify-ca` checks it chains to `sslrootcert` (or the system roots), `verify-full`
    /// also that it names the host.
    public enum TLSMode: String, Sendable, Equatable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public static let environmentVariable = "FLEETWATCH_DATABASE_URL"
    public static let defaultURL = "postgres://fleetwatch@127.0.0.1:5432/fleetwatch"

    public var host: String
    public var port: Int
    /// Connect over this unix socket instead of TCP (URL query `host=/dir`, as libpq does).
    public var unixSocketPath: String?
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The PEM CA file the server's certificate must chain to under verify-ca / verify-full (`sslrootcert`).
    public var rootCertificate: String?
    /// Schema the store's tables live in (tests use a fresh one each); nil keeps the server default.
    public var searchPath: String?
    public var applicationName: String
    public var maximumConnections: Int

    public init(
        host: String = "127.0.0.1", port: Int = 5432, unixSocketPath: String? = nil, username: String = "fleetwatch",
        password: String? = nil, database: String = "fleetwatch", tls: TLSMode = .disable, searchPath: String? = nil,
        applicationName: String = "fleetwatch", maximumConnections: Int = 8
    ) {
        self.host = host
        self.port = port
        self.unixSocketPath = unixSocketPath
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.searchPath = searchPath
        self.applicationName = applicationName
        self.maximumConnections = maximumConnections
    }

    /// Reads FLEETWATCH_DATABASE_URL, or the default URL when it is unset or empty.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(DatabaseURLError) -> PostgresStoreConfiguration {
        let value = environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultURL
        return try PostgresStoreConfiguration(url: value, variable: environmentVariable)
    }

    /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=…&search_path=…&host=/socket/dir]`.
    public init(url: String, variable: String = environmentVariable) throws(DatabaseURLError) {
        func fail(_ problem: String) -> DatabaseURLError {
            DatabaseURLError(variable: variable, redactedValue: Redaction.url(url), problem: problem)
        }
        var rest = Substring(url.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("postgres://") {
            rest = rest.dropFirst("postgres://".count)
        } else if rest.hasPrefix("postgresql://") {
            rest = rest.dropFirst("postgresql://".count)
        } else {
            throw fail("the scheme must be postgres:// or postgresql://")
        }

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let at = rest.lastIndex(of: "@") else { throw fail("a user name is required (user@host)") }
        let userInfo = rest[..<at]
        let hostPort = rest[rest.index(after: at)...]

        var username: String
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            username = String(userInfo[..<colon])
            password = String(userInfo[userInfo.index(after: colon)...])
        } else {
            username = String(userInfo)
        }
        guard let decodedUser = username.removingPercentEncoding, !decodedUser.isEmpty else {
            throw fail("the user name is empty or badly percent-encoded")
        }
        username = decodedUser
        if let raw = password {
            guard let decoded = raw.removingPercentEncoding else { throw fail("the password is badly percent-encoded") }
            password = decoded
        }

        let host: String
        let portText: Substring?
        do {
            let parts = try HostPort.split(hostPort)
            (host, portText) = (String(parts.host), parts.port)
        } catch {
            switch error {
            case .unterminatedIPv6: throw fail("unterminated IPv6 address")
            case .unexpectedAfterIPv6(let after): throw fail("unexpected '\(after)' after the IPv6 address")
            }
        }
        var port = 5432
        if let portText {
            guard let value = HostPort.port(portText) else {
                throw fail("the port must be a number between 1 and 65535")
            }
            port = value
        }

        guard let database = String(path).removingPercentEncoding else {
            throw fail("the database name is badly percent-encoded")
        }

        var tls = TLSMode.disable
        var rootCertificate: String?
        var searchPath: String?
        var socketDirectory: String?
        var applicationName = "fleetwatch"
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let key = String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? "") : ""
            switch key {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw fail("sslmode must be disable, prefer, require, verify-ca or verify-full")
                }
                tls = mode
            case "sslrootcert":
                guard (try? NIOSSLCertificate.fromPEMFile(value))?.isEmpty == false else {
                    throw fail("sslrootcert must name a readable PEM file of CA certificates, got '\(value)'")
                }
                rootCertificate = value
            case "search_path", "schema":
                guard !value.isEmpty else { throw fail("\(key) is empty") }
                searchPath = value
            case "host":
                guard value.hasPrefix("/") else { throw fail("the host parameter must be a socket directory") }
                socketDirectory = value
            case "application_name":
                applicationName = value
            default:
                throw fail("unknown parameter '\(key)'")
            }
        }
        if host.isEmpty && socketDirectory == nil { throw fail("the host is missing") }
        if rootCertificate != nil, tls != .verifyCA, tls != .verifyFull {
            throw fail("sslrootcert needs sslmode=verify-ca or verify-full")
        }

        self.init(
            host: host.isEmpty ? "localhost" : host, port: port,
            unixSocketPath: socketDirectory.map { "\($0)/.s.PGSQL.\(port)" }, username: username, password: password,
            database: database.isEmpty ? username : database, tls: tls, searchPath: searchPath,
            applicationName: applicationName)
        self.rootCertificate = rootCertificate
    }

    /// The postgres-nio pool configuration. Sessions run in UTC so day partitions and rollup buckets align.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let unixSocketPath {
            configuration = .init(
                unixSocketPath: unixSocketPath, username: username, password: password, database: database)
        } else {
            let clientTLS: PostgresClient.Configuration.TLS =
                switch tls {
                case .disable: .disable
                case .prefer: .prefer(clientTLSConfiguration)
                case .require, .verifyCA, .verifyFull: .require(clientTLSConfiguration)
                }
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database, tls: clientTLS)
        }
        var parameters = [("TimeZone", "UTC"), ("application_name", applicationName)]
        if let searchPath { parameters.append(("search_path", searchPath)) }
        configuration.options.additionalStartupParameters = parameters
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}

extension PostgresStoreConfiguration {
    /// NIOSSL's client side of `tls`: what is verified, against which roots.
    var clientTLSConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable, .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let rootCertificate { configuration.trustRoots = .file(rootCertificate) }
        return configuration
    }

    /// For an error from connecting: a sentence naming FLEETWATCH_DATABASE_URL when PostgreSQL's certificate was
    /// refused under verify-ca / verify-full (a wrong `sslrootcert`, or a certificate for another host), which
    /// retrying cannot fix; nil for anything else.
    public func certificateRejection(in error: any Error) -> String? {
        guard tls == .verifyCA || tls == .verifyFull,
            String(reflecting: error).contains("CERTIFICATE_VERIFY_FAILED")
        else { return nil }
        let roots = rootCertificate.map { "sslrootcert=\($0)" } ?? "the system trust roots"
        let names = tls == .verifyFull ? " or does not name \(host)" : ""
        return "\(Self.environmentVariable): PostgreSQL's certificate does not chain to \(roots)\(names) "
            + "(sslmode=\(tls.rawValue))"
    }
}

extension PostgresStoreConfiguration {
    /// Under verify-ca / verify-full, opens one connection to see whether PostgreSQL's certificate is accepted,
    /// and throws `DatabaseTLSError` (naming FLEETWATCH_DATABASE_URL) if it is refused: the pool would retry that
    /// forever. Any other failure (PostgreSQL not up yet) is left to the caller's wait.
    public func checkCertificate(logger: Logger) async throws {
        guard tls == .verifyCA || tls == .verifyFull, unixSocketPath == nil else { return }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: .require(try NIOSSLContext(configuration: clientTLSConfiguration)))
        configuration.options.connectTimeout = .seconds(5)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            if let rejection = certificateRejection(in: error) { throw DatabaseTLSError(description: rejection) }
        }
    }
}

/// PostgreSQL's certificate was refused under sslmode=verify-ca or verify-full.
public struct DatabaseTLSError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
