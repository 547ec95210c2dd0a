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
        let environment: String, option: String
        switch token {
        case .value(let token):
            (environment, option) = ("FLEETWATCH_TOKEN=\(token)", "--token \(token)")
        case .file(let path):
            (environment, option) = ("FLEETWATCH_TOKEN_FILE=\(path)", "--token-file \(path)")
        case .unknown:
            (environment, option) = ("FLEETWATCH_TOKEN=<collector token>", "--token <collector token>")
        }
        let tls = usesTLS ? " FLEETWATCH_TLS_CA=<CA of the edge's certificate>" : ""
        var lines: [String]
        if let joinToken {
            let join: String
            switch joinToken {
            case .value(let token): join = "FLEETWATCH_JOIN_TOKEN=\(token)"
            case .file(let path): join = "FLEETWATCH_JOIN_TOKEN_FILE=\(path)"
            case .unknown: join = "FLEETWATCH_JOIN_TOKEN=<join token>"
            }
            lines = [
                "join        FLEETWATCH_INGEST_URL=\(edgeURL) \(join)\(tls) fleetwatch-agent",
                "  (it enrolls once and keeps its own credential in its data folder; deploy/agent/install.sh takes no join"
                    + " token yet: docs/operations.md \"Machine identity\")",
            ]
        } else {
            lines = [
                "join        FLEETWATCH_INGEST_URL=\(edgeURL) \(environment)\(tls) fleetwatch-agent",
                "  as a service: deploy/agent/install.sh --edge \(edgeURL) \(option)   (copy the agent with scripts/build-agent)",
            ]
        }
        if listen.host == "127.0.0.1" || listen.host == "localhost" {
            lines.append("  (the edge listens on loopback only: listen on 0.0.0.0:\(listen.port) to let other machines join)")
        }
        return lines
    }
}
