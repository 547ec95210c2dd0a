/// Which stored form of history answers a query: raw samples or a rollup.
public enum HistoryResolution: String, Sendable, CaseIterable {
    case raw
    case minute
    case hour

    /// The width of one stored bucket (raw samples have none).
    public var bucket: Duration? {
        switch self {
        case .raw: nil
        case .minute: .seconds(60)
        case .hour: .seconds(3600)
        }
    }
}
