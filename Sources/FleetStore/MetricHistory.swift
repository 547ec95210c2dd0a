import Foundation

/// The answer to a history query: points of one series in time order, and where they came from.
public struct MetricHistory: Sendable, Equatable {
    public var resolution: HistoryResolution
    /// Bucket width the points were aggregated into; nil when they are the stored points themselves.
    public var step: Duration?
    public var points: [HistoryPoint]

    public init(resolution: HistoryResolution, step: Duration?, points: [HistoryPoint]) {
        self.resolution = resolution
        self.step = step
        self.points = points
    }
}

/// One bucket of a series: aggregates keep min and max exact and let the caller average.
public struct HistoryPoint: Sendable, Equatable {
    /// Start of the bucket (the sample time for raw points).
    public var time: Date
    public var min: Double
    public var max: Double
    public var sum: Double
    public var count: Int

    public var average: Double { count == 0 ? 0 : sum / Double(count) }

    public init(time: Date, min: Double, max: Double, sum: Double, count: Int) {
        self.time = time
        self.min = min
        self.max = max
        self.sum = sum
        self.count = count
    }
}
