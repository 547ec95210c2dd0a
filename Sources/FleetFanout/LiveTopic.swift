/// What a live reader follows.
public enum LiveTopic: Sendable, Equatable {
    /// Every machine: identity, last seen and summary.
    case fleet
    /// One machine: every series and its process snapshots.
    case machine(String)
}
