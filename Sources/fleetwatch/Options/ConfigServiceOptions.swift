import ArgumentParser
import FleetCollector
import FleetSettings
import GRPCCore
import GRPCNIOTransportHTTP2Posix

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
        let endpoint = try IngestEndpoint(url: url, variable: "FLEETWATCH_CONFIG_URL", defaultPort: 7071)
        do {
            return try await withGRPCClient(transport: try endpoint.makeTransport()) { client in
                try await body(client)
            }
        } catch let error as RPCError where error.code == .unavailable {
            throw CLIError("cannot reach the config service at \(url) (is `fleetwatch config-service` running?): \(error.message)")
        } catch let error as RPCError {
            throw CLIError("\(error.code): \(error.message)")
        }
    }
}

/// A failure the CLI reports as one line on stderr with exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
