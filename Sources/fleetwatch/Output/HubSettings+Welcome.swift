import Foundation

/// The banner `fleetwatch hub` prints at start.
extension HubSettings {
    /// Whether a shell would find `fleetwatch`, so the banner's commands work as typed.
    static var fleetwatchIsOnPath: Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/fleetwatch") }
    }

    /// What a person starting the hub needs: where the dashboard is, how to put the CLI on PATH and how another
    /// machine joins.
    func printWelcome(joinToken: String? = nil) {
        let install = "              (`fleetwatch` is not on PATH: scripts/install links it into ~/.local/bin)"
        let lines =
            [
                "Fleetwatch hub is running.",
                "  dashboard   \(localURL(http))/",
                "  data        \(dataDirectory)",
                "  CLI         FLEETWATCH_CONFIG_URL=\(localURL(config)) fleetwatch machines",
            ] + (Self.fleetwatchIsOnPath ? [] : [install])
            + [
                "  rules       FLEETWATCH_ADMIN_TOKEN=\(adminToken) (rule changes, in the dashboard's Rules page or `fleetwatch rules`)"
            ]
            + JoinCommand(
                listen: ingest, token: .value(token), usesTLS: tls != nil, joinToken: joinToken.map { .value($0) },
                requiresCredentials: requiresMachineCredentials
            ).lines.map { "  " + $0 }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
