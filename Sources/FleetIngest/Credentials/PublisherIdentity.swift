/// Who opened a Publish stream: a holder of the shared collector token (any machine id), or one machine by its
/// own credential (only its machine id).
public enum PublisherIdentity: Sendable, Equatable {
    case sharedToken
    case machine(id: String, tokenHash: String)
}
