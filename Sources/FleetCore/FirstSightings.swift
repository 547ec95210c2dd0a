/// Which keys have been met before, remembered up to `capacity` of them: lets a consumer log a recurring problem
/// once per key (a machine and a field, say) instead of on every batch, with bounded memory against a sender
/// that invents keys. Pure: the caller keeps it behind its own lock and does the logging.
public struct FirstSightings: Sendable {
    /// What meeting a key means for the caller's log.
    public enum Sighting: Sendable, Equatable {
        /// Never met before: log it.
        case first
        /// Met before: count it only.
        case again
        /// The first key that no longer fits: say once that further new keys are only counted.
        case overflow
        /// A new key met after `overflow`: count it only.
        case full
    }

    public let capacity: Int
    private var keys: Set<String> = []
    private var overflowed = false

    public init(capacity: Int = 10_000) {
        self.capacity = max(0, capacity)
    }

    /// Records that `key` was met and says whether it is news.
    public mutating func sight(_ key: String) -> Sighting {
        if keys.contains(key) { return .again }
        guard keys.count < capacity else {
            if overflowed { return .full }
            overflowed = true
            return .overflow
        }
        keys.insert(key)
        return .first
    }
}
