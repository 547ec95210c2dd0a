import Foundation

/// Chooses raw samples, 1-minute or 1-hour rollups for a history query: the coarsest resolution
/// whose buckets still fit the requested step, never one whose retention already dropped `from`.
/// Pure, so the choice is unit-tested without a database.
public struct ResolutionPolicy: Sendable, Equatable {
    public var retention: RetentionPolicy
    /// A query without a step is bucketed into about this many points.
    public var maxPoints: Int

    /// 720 points by default: a 30-day range then reads hour rollups, 24 h two-minute buckets, 1 h 5-second ones.
    public init(retention: RetentionPolicy = RetentionPolicy(), maxPoints: Int = 720) {
        self.retention = retention
        self.maxPoints = max(1, maxPoints)
    }

    /// The resolution to read and the bucket width to aggregate into (nil: return stored points as they are).
    public struct Plan: Sendable, Equatable {
        public var resolution: HistoryResolution
        public var step: Duration?

        public init(resolution: HistoryResolution, step: Duration?) {
            self.resolution = resolution
            self.step = step
        }
    }

    public func plan(from: Date, to: Date, step requested: Duration?, now: Date) -> Plan {
        let range = max(0, to.timeIntervalSince(from))
        let requestedSeconds = requested.map(Self.seconds) ?? 0
        var stepSeconds = max(requestedSeconds, range / Double(maxPoints))

        var resolution: HistoryResolution =
            stepSeconds >= 3600 ? .hour : stepSeconds >= 60 ? .minute : .raw
        let age = now.timeIntervalSince(from)
        if resolution == .raw && age > Self.seconds(retention.raw) { resolution = .minute }
        if resolution == .minute && age > Self.seconds(retention.minuteRollup) { resolution = .hour }

        switch resolution {
        case .raw:
            // Sub-second buckets would only repeat the stored points.
            guard stepSeconds >= 1 else { return Plan(resolution: .raw, step: nil) }
            stepSeconds = stepSeconds.rounded(.up)
        case .minute, .hour:
            // Whole multiples of the rollup width, or a bucket would split stored rollup rows unevenly.
            let width = Self.seconds(resolution.bucket!)
            stepSeconds = max(1, (stepSeconds / width).rounded(.up)) * width
        }
        return Plan(resolution: resolution, step: .seconds(Int64(stepSeconds)))
    }

    /// `duration` in seconds, fractions included.
    public static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
