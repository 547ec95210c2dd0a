import Foundation

/// The newest stored value of one series of a machine.
public struct LatestSample: Sendable, Equatable {
    public var metric: String
    public var labels: [String: String]
    public var time: Date
    public var value: Double

    public init(metric: String, labels: [String: String], time: Date, value: Double) {
        self.metric = metric
        self.labels = labels
        self.time = time
        self.value = value
    }
}
