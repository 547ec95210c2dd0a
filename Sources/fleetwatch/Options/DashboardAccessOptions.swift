import ArgumentParser
import FleetGateway
import FleetSettings

/// Who may read the dashboard, the REST API and the live feed: shared by the gateway and the hub.
struct DashboardAccessOptions: ParsableArguments {
    @Option(help: "Viewer token(s) every read needs, comma-separated for rotation (FLEETWATCH_VIEWER_TOKEN; default: none, anyone who reaches the port reads).")
    var viewerToken: String?

    @Option(help: "File whose first line holds the viewer token(s) (FLEETWATCH_VIEWER_TOKEN_FILE).")
    var viewerTokenFile: String?

    @Option(help: "Origins besides the dashboard's own that may open the live WebSocket, comma-separated, or * (FLEETWATCH_ALLOWED_ORIGINS).")
    var allowedOrigins: String?

    func viewers() throws -> ViewerAccess {
        let text = try Setting.secret(viewerToken, file: viewerTokenFile, env: "FLEETWATCH_VIEWER_TOKEN") ?? ""
        let tokens = text.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
        if let short = tokens.first(where: { $0.utf8.count < 16 }) {
            throw ConfigError(
                setting: "FLEETWATCH_VIEWER_TOKEN", expected: "tokens of at least 16 characters",
                got: "\(short.utf8.count) characters")
        }
        return ViewerAccess(tokens: tokens)
    }

    func origins() throws -> OriginPolicy {
        let text = Setting.value(allowedOrigins, env: "FLEETWATCH_ALLOWED_ORIGINS") ?? ""
        switch OriginPolicy.parse(text) {
        case .success(let policy): return policy
        case .failure(let error):
            throw ConfigError(
                setting: "FLEETWATCH_ALLOWED_ORIGINS", expected: "comma-separated origins such as https://dash.example.com, or *",
                got: error.entry)
        }
    }
}
