import FleetCore

/// Where silences live (the config service writes and reads them; the notification dispatcher reads the active
/// ones). Implemented over PostgreSQL and SQLite. Expired silences stay listed until `deleteSilences(endedBeforeMs:)`
/// removes them (the config service keeps them `SilenceRetention.keepExpired` after they end).
public protocol SilenceStore: Sendable {
    /// Stores a new silence (its id and times already set by the caller).
    func createSilence(_ silence: Silence) async throws
    func silence(id: String) async throws -> Silence?
    /// Every silence, newest first; only those active at `activeAtMs` when it is given.
    func silences(activeAtMs: Int64?) async throws -> [Silence]
    /// Ends the silence at `atMs` (`Silence.expired(atMs:)`) and returns it; one already over is returned as it was.
    /// Throws `StoreError.notFound` for an unknown id.
    func expireSilence(id: String, atMs: Int64) async throws -> Silence
    /// Removes the silences that ended before `endedBeforeMs`; returns how many.
    @discardableResult
    func deleteSilences(endedBeforeMs: Int64) async throws -> Int
}

/// How long an expired silence stays listed before it is removed.
public enum SilenceRetention {
    /// Seven days after it ended.
    public static let keepExpired: Duration = .seconds(7 * 86_400)
}
