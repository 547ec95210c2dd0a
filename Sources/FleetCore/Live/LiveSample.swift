/// The newest value of one series as the live view holds it.
public struct LiveSample: Sendable, Equatable {
    public var metric: String
    public var labels: [String: String]
    public var value: Double
    /// Sample time, milliseconds since 1970.
    public var timeMs: Int64

    public init(metric: String, labels: [String: String], value: Double, timeMs: Int64) {
        self.metric = metric
        self.labels = labels
        self.value = value
        self.timeMs = timeMs
    }

    /// Identifies the series: metric name and canonical label set.
    public var series: SeriesKey { SeriesKey(metric: metric, labels: LabelSet.key(labels)) }
}

/// A series of one machine: a metric name and its canonical label set (`LabelSet.key`).
public struct SeriesKey: Hashable, Sendable, Comparable {
    public var metric: String
    public var labels: String

    public init(metric: String, labels: String) {
        self.metric = metric
        self.labels = labels
    }

    public static func < (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        (lhs.metric, lhs.labels) < (rhs.metric, rhs.labels)
    }
}
