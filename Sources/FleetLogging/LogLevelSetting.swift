import FleetSettings
import Logging

extension Logger.Level {
    /// The level from `--log-level` or FLEETWATCH_LOG_LEVEL (flag wins), `info` by default.
    public static func fromSetting(_ flag: String?) throws(ConfigError) -> Logger.Level {
        let text = Setting.value(flag, env: "FLEETWATCH_LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: text) else {
            throw ConfigError(
                setting: "FLEETWATCH_LOG_LEVEL", expected: "trace|debug|info|notice|warning|error|critical", got: text)
        }
        return level
    }
}
