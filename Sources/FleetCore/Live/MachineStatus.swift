import Foundation

/// Whether a machine is reporting, by how long ago it was last heard of.
public enum MachineStatus: String, Sendable, Codable, CaseIterable {
    /// Heard of within `staleAfter`.
    case online
    /// Silent for longer than `staleAfter` but not yet `offlineAfter`: late, maybe a hiccup.
    case stale
    /// Silent for `offlineAfter` or longer.
    case offline

    /// How long a machine may stay silent before it counts as stale, then offline.
    public struct Thresholds: Sendable, Equatable {
        public var staleAfter: Duration
        public var offlineAfter: Duration

        public init(staleAfter: Duration = .seconds(15), offlineAfter: Duration = .seconds(60)) {
            self.staleAfter = staleAfter
            self.offlineAfter = max(offlineAfter, staleAfter)
        }
    }

    /// The status of a machine last heard of at `lastSeenMs` (milliseconds since 1970), seen at `nowMs`.
    /// A clock running behind the machine's (negative silence) counts as online.
    public static func of(lastSeenMs: Int64, nowMs: Int64, thresholds: Thresholds) -> MachineStatus {
        let silence = Duration.milliseconds(nowMs - lastSeenMs)
        if silence >= thresholds.offlineAfter { return .offline }
        if silence >= thresholds.staleAfter { return .stale }
        return .online
    }
}
