#if canImport(FoundationEssentials)
    import FoundationEssentials  // not Foundation: keeps ICU out of the static agent (issue 14)
#else
    import Foundation
#endif

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
        /// Silence after which a machine leaves the default fleet overview (it stays reachable by a filter).
        public var silentAfter: Duration

        public init(
            staleAfter: Duration = .seconds(15), offlineAfter: Duration = .seconds(60),
            silentAfter: Duration = .seconds(86_400)
        ) {
            self.staleAfter = staleAfter
            self.offlineAfter = max(offlineAfter, staleAfter)
            self.silentAfter = max(silentAfter, self.offlineAfter)
        }
    }

    /// True when a machine last heard of at `lastSeenMs` has been silent for `silentAfter` or longer at `nowMs`.
    public static func isSilent(lastSeenMs: Int64, nowMs: Int64, thresholds: Thresholds) -> Bool {
        Duration.milliseconds(nowMs - lastSeenMs) >= thresholds.silentAfter
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
