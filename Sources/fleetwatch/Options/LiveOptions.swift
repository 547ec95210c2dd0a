import ArgumentParser
import FleetCore
import FleetSettings

/// When a machine counts as stale, offline or silent: shared by every process that shows the live view.
struct LiveOptions: ParsableArguments {
    @Option(help: "Silence after which a machine counts as stale (FLEETWATCH_STALE_AFTER, default 15s).")
    var staleAfter: String?

    @Option(help: "Silence after which a machine counts as offline (FLEETWATCH_OFFLINE_AFTER, default 60s).")
    var offlineAfter: String?

    @Option(help: "Silence after which a machine leaves the default fleet overview (FLEETWATCH_SILENT_AFTER, default 24h).")
    var silentAfter: String?

    func thresholds() throws -> MachineStatus.Thresholds {
        MachineStatus.Thresholds(
            staleAfter: try duration(staleAfter, env: "FLEETWATCH_STALE_AFTER", default: "15s"),
            offlineAfter: try duration(offlineAfter, env: "FLEETWATCH_OFFLINE_AFTER", default: "60s"),
            silentAfter: try duration(silentAfter, env: "FLEETWATCH_SILENT_AFTER", default: "24h"))
    }

    private func duration(_ flag: String?, env: String, default fallback: String) throws -> Duration {
        let text = Setting.value(flag, env: env, default: fallback)
        guard let duration = DurationText.parse(text), duration > .zero else {
            throw ConfigError(setting: env, expected: "a duration such as 15s, 2m or 1h", got: text)
        }
        return duration
    }
}
