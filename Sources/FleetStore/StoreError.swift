/// Failures of a metric store, with enough detail to act on and no credentials.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database could not be reached or the connection broke; retrying later may succeed.
    case unavailable(operation: String, detail: String)
    /// The database refused a statement; `sqlState` is the PostgreSQL error code when there is one.
    case database(operation: String, sqlState: String?, detail: String)
    /// A migration failed; the schema stays at the version before it.
    case migration(version: Int, detail: String)
    /// An update named a version that is not the current one (optimistic concurrency).
    case conflict(String)
    /// The record does not exist.
    case notFound(String)

    public var description: String {
        switch self {
        case .unavailable(let operation, let detail): "database unavailable during \(operation): \(detail)"
        case .database(let operation, let state, let detail):
            "database error during \(operation)\(state.map { " (SQLSTATE \($0))" } ?? ""): \(detail)"
        case .migration(let version, let detail): "migration \(version) failed: \(detail)"
        case .conflict(let detail): "conflict: \(detail)"
        case .notFound(let detail): "not found: \(detail)"
        }
    }
}
