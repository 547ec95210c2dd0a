#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: keeps ICU out of the static agent (issue 14)
#else
    import Foundation
#endif

/// Resolves a configuration value the documented way: the flag wins, then the FLEETWATCH_* environment
/// variable, then the default. Secrets may also come from a file named by `<VARIABLE>_FILE`.
public enum Setting {
    public static func value(_ flag: String?, env variable: String, default fallback: String) -> String {
        value(flag, env: variable) ?? fallback
    }

    public static func value(_ flag: String?, env variable: String) -> String? {
        if let flag, !flag.isEmpty { return flag }
        let environment = ProcessInfo.processInfo.environment
        if let value = environment[variable], !value.isEmpty { return value }
        return nil
    }

    /// A secret: the flag, the variable, or the first line of the file named by the flag or `<VARIABLE>_FILE`.
    public static func secret(_ flag: String?, file: String?, env variable: String) throws(ConfigError) -> String? {
        if let direct = value(flag, env: variable) { return direct }
        guard let path = value(file, env: variable + "_FILE") else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(setting: variable + "_FILE", expected: "a readable file holding the secret", got: path)
        }
        let secret = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !secret.isEmpty else {
            throw ConfigError(setting: variable + "_FILE", expected: "a non-empty first line", got: path)
        }
        return secret
    }

    /// Parses an integer setting within `range`, naming the setting when it is out of form.
    public static func integer(_ text: String, setting: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let number = Int(text), range.contains(number) else {
            throw ConfigError(
                setting: setting, expected: "a whole number in \(range.lowerBound)...\(range.upperBound)", got: text)
        }
        return number
    }
}
