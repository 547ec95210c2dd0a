import FleetSettings
import Foundation

/// How another machine joins an edge listening on `listen`: the one-off command and the systemd install
/// (deploy/agent/install.sh), printed by `fleetwatch hub` and `fleetwatch ingest` at start.
struct JoinCommand {
    var listen: HostPort
    /// How the agent gets its token: `--token <token>` or `--token-file <path>`.
    var token: Credential
    /// The edge serves TLS: the URL is https and the agent needs the CA of its certificate.
    var usesTLS = false
    /// The edge enrolls machines with a join token (docs/operations.md "Machine identity"): a new machine joins
    /// with it and keeps the credential it gets, instead of using the shared token.
    var joinToken: Credential?
    /// Only machine credentials may publish (FLEETWATCH_REQUIRE_MACHINE_CREDENTIALS): the shared token is no way in.
    var requiresCredentials = false

    enum Credential {
        case value(String)
        case file(String)
        /// The token is known only to whoever set FLEETWATCH_TOKEN: print a placeholder, never a secret.
        case unknown
    }

    var edgeURL: String {
        let host = ["0.0.0.0", "::", ""].contains(listen.host) ? ProcessInfo.processInfo.hostName : listen.host
        return "\(usesTLS ? "https" : "http")://\(host):\(listen.port)"
    }

    var lines: [String] {
        let tls = usesTLS ? " FLEETWATCH_TLS_CA=<CA of the edge's certificate>" : ""
        let tlsOption = usesTLS ? " --tls-ca <CA of the edge's certificate>" : ""
        let install = "  as a service: deploy/agent/install.sh --edge \(edgeURL) "
        var lines: [String]
        if let joinToken {
            let (environment, option) = Self.spelled(
                joinToken, variable: "FLEETWATCH_JOIN_TOKEN", option: "--join-token", placeholder: "<join token>")
            lines = [
                "join        FLEETWATCH_INGEST_URL=\(edgeURL) \(environment)\(tls) fleetwatch-agent",
                install + option + tlsOption
                    + "   (copy the agent with scripts/build-agent)",
                "  (each machine enrolls once and keeps its own credential, mode 0600, in its data folder:"
                    + " docs/operations.md \"Machine identity\")",
            ]
        } else if requiresCredentials {
            // The shared token may not publish here, and without a join token no machine can enroll.
            lines = [
                "join        machine credentials are required but enrollment is off: start with FLEETWATCH_JOIN_TOKEN"
                    + " to let machines join (docs/operations.md \"Machine identity\")"
            ]
        } else {
            let (environment, option) = Self.spelled(
                token, variable: "FLEETWATCH_TOKEN", option: "--token", placeholder: "<collector token>")
            lines = [
                "join        FLEETWATCH_INGEST_URL=\(edgeURL) \(environment)\(tls) fleetwatch-agent",
                install + option + tlsOption + "   (copy the agent with scripts/build-agent)",
            ]
        }
        if listen.host == "127.0.0.1" || listen.host == "localhost" {
            lines.append("  (the edge listens on loopback only: listen on 0.0.0.0:\(listen.port) to let other machines join)")
        }
        return lines
    }

    /// `credential` as the agent's variable and as install.sh's option: `VAR=value` and `--option value`,
    /// `VAR_FILE=path` and `--option-file path`, or placeholders when only whoever set the variable knows it.
    private static func spelled(
        _ credential: Credential, variable: String, option: String, placeholder: String
    ) -> (environment: String, option: String) {
        switch credential {
        case .value(let value): ("\(variable)=\(value)", "\(option) \(value)")
        case .file(let path): ("\(variable)_FILE=\(path)", "\(option)-file \(path)")
        case .unknown: ("\(variable)=\(placeholder)", "\(option) \(placeholder)")
        }
    }
}
