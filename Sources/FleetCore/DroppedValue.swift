/// A value removed from a batch because it is not usable (`SampleValue`): the rest of the batch goes on, and
/// this says which series lost a value, for the count and the log line of whoever removed it.
public struct DroppedValue: Sendable, Equatable {
    /// The series, as `metric{labels}` (`LabelSet.key`), or `process <pid> cpu_percent` for a process entry.
    public var series: String
    public var value: Double

    public init(series: String, value: Double) {
        self.series = series
        self.value = value
    }

    /// A sample's series, named the way history names it.
    public init(metric: String, labels: [String: String], value: Double) {
        self.init(series: labels.isEmpty ? metric : "\(metric){\(LabelSet.key(labels))}", value: value)
    }
}
