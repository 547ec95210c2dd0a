import ArgumentParser
import FleetCore
import FleetProto
import FleetRuntime
import FleetSettings
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// Where the CLI finds the config service, how long it waits for it, and how it prints answers.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("config-url"), help: "The config service (FLEETWATCH_CONFIG_URL, default \(Defaults.configURL)).")
    var configURL: String?

    @OptionGroup var tls: ClientTLSOptions

    @Option(help: "table (default) or json (the REST API's shapes, docs/api.md).")
    var output: OutputFormat = .table

    @Option(help: "Deadline of every call to the config service, with a unit: 500ms, 5s, 1m (default 5s).")
    var timeout: String = "5s"

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    func validate() throws {
        _ = try DurationFlag.parse(timeout, flag: "--timeout", positive: true)
    }

    /// Runs `body` with a client of the config service. Every call made through it has the `--timeout` deadline
    /// (the default of the client's service config), so a wrong port or a silent server fails within it;
    /// a failure becomes one `error:` line naming the address, with the exit code of `CLIExit`.
    func withClient<Result: Sendable>(
        _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        try await withClient(streaming: false, body)
    }

    /// As `withClient`, for a command that follows a stream for as long as it runs: the stream has no deadline,
    /// but the config service must first answer a health check within `--timeout`.
    func withStreamingClient<Result: Sendable>(
        _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        try await withClient(streaming: true, body)
    }

    private func withClient<Result: Sendable>(
        streaming: Bool, _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        let url = Setting.value(configURL, env: "FLEETWATCH_CONFIG_URL", default: Defaults.configURL)
        let endpoint = try tls.apply(
            to: GRPCEndpoint(url: url, variable: "FLEETWATCH_CONFIG_URL", defaultPort: Self.configPort))
        let deadline = try DurationFlag.parse(timeout, flag: "--timeout", positive: true)
        let transport = try endpoint.makeTransport(serviceConfig: Self.serviceConfig(deadline: streaming ? nil : deadline))
        do {
            return try await withGRPCClient(transport: transport) { client in
                if streaming {
                    _ = try await Grpc_Health_V1_Health.Client(wrapping: client).check(
                        .init(), options: .with(timeout: deadline))
                }
                return try await body(client)
            }
        } catch let error as RPCError {
            CLIFailure.report(Self.message(for: error, endpoint: endpoint, deadline: deadline))
            throw ExitCode(CLIExit.code(for: error.code))
        }
    }

    /// The config service's default port, named in the hint when another port stays silent.
    static let configPort = 7071

    /// One default for every method: the deadline (nil: none, for streams).
    static func serviceConfig(deadline: Duration?) -> ServiceConfig {
        ServiceConfig(methodConfig: [MethodConfig(names: [MethodConfig.Name(service: "")], timeout: deadline)])
    }

    /// The line the CLI prints for a failed call. Unreachable and silent servers name the address and the deadline;
    /// anything else is the server's own message.
    static func message(for error: RPCError, endpoint: GRPCEndpoint, deadline: Duration) -> String {
        let address = "\(endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host):\(endpoint.port)"
        let hint =
            endpoint.port == configPort
            ? "is `fleetwatch config-service` or `fleetwatch hub` running?"
            : "is that the gateway's HTTP port? the config service listens on :\(configPort) by default"
        switch error.code {
        case .deadlineExceeded:
            return "no Fleetwatch config service answered at \(address) within \(DurationText.format(deadline)) (\(hint))"
        case .unavailable:
            let reason = TLSMismatchHint.annotate(
                error.message + (error.cause.map { " (\($0))" } ?? ""), usesTLS: endpoint.usesTLS,
                urlSetting: "FLEETWATCH_CONFIG_URL")
            return "cannot reach a Fleetwatch config service at \(address) (\(hint)): \(reason)"
        default:
            return error.message
        }
    }
}
