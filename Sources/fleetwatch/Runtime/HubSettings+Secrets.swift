import FleetSettings
import Foundation

/// The hub's tokens, kept in its data folder so they, and the join command, stay the same across restarts.
extension HubSettings {
    /// Reads the secret at `path`, creating a random one (readable by this user only) on first use.
    static func persistentSecret(at path: String) throws -> String {
        if let existing = try? String(contentsOfFile: path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), !existing.isEmpty
        {
            return existing
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw ConfigError(setting: "FLEETWATCH_DATA_DIR", expected: "a writable folder for the hub's token", got: path)
        }
        return secret
    }
}
