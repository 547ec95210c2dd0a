import FleetCore
import Synchronization

/// The silences last read, shared between the task that polls them and the dispatcher's loop.
final class SilenceSnapshot: Sendable {
    private let silences = Mutex<[Silence]>([])

    var current: [Silence] { silences.withLock { $0 } }

    func replace(_ current: [Silence]) {
        silences.withLock { $0 = current }
    }
}
