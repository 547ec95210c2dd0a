import ArgumentParser
import FleetRuntime
import FleetSettings
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Foundation

/// Where the CLI finds the config service, and how it prints answers.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("config-url"), help: "The config service (FLEETWATCH_CONFIG_URL, default \(Defaults.configURL)).")
    var configURL: String?

    @Option(help: "table (default) or json.")
    var output: OutputFormat = .table

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    /// Runs `body` with a client of the config service; a connection failure becomes one clear line.
    func withClient<Result: Sendable>(
        _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        let url = Setting.value(configURL, env: "FLEETWATCH_CONFIG_URL", default: Defaults.configURL)
        let endpoint = try GRPCEndpoint(url: url, variable: "FLEETWATCH_CONFIG_URL", defaultPort: 7071)
        do {
            return try await withGRPCClient(transport: try endpoint.makeTransport()) { client in
                try await body(client)
            }
        } catch let error as RPCError {
            let message =
                error.code == .unavailable
                ? "cannot reach the config service at \(url) (is `fleetwatch config-service` or `fleetwatch hub` running?): \(error.message)"
                : error.message
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            throw ExitCode(CLIExit.code(for: error.code))
        }
    }
}

/// Exit codes of the CLI clients (docs/operations.md), so scripts can tell failures apart.
enum CLIExit {
    static func code(for status: RPCError.Code) -> Int32 {
        switch status {
        case .notFound: 2
        case .failedPrecondition, .aborted, .alreadyExists: 3
        case .unauthenticated, .permissionDenied: 4
        case .invalidArgument: 65
        case .unavailable, .deadlineExceeded: 69
        default: 1
        }
    }
}

/// A failure the CLI reports as one line on stderr with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
