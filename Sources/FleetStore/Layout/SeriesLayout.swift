/// The ordered list of series one stored tick row holds: row `values[i]` belongs to `metrics[i]` with
/// labels `labels[i]` (canonical `LabelSet.key` text). Sorted by (metric, labels), so the same set of
/// series always yields the same layout whatever order a batch lists them in. Layouts are shared by
/// every machine that reports the same series, so a fleet needs only a handful of them, and a tick row
/// stores one small integer instead of a text key per sample.
public struct SeriesLayout: Hashable, Sendable {
    public private(set) var metrics: [String]
    public private(set) var labels: [String]

    /// `series` must be sorted by (metric, labels) and free of repeats; `MachineTick.group` ensures both.
    public init(sorted series: [(metric: String, labels: String)]) {
        metrics = series.map(\.metric)
        labels = series.map(\.labels)
    }

    public init(metrics: [String], labels: [String]) {
        precondition(metrics.count == labels.count, "a layout needs one label key per metric")
        self.metrics = metrics
        self.labels = labels
    }

    public var count: Int { metrics.count }

    /// The position of a series in rows of this layout, or nil when rows of this layout do not hold it.
    public func index(metric: String, labels key: String) -> Int? {
        // Sorted by (metric, labels): binary search.
        var low = 0
        var high = metrics.count
        while low < high {
            let mid = (low + high) / 2
            if (metrics[mid], labels[mid]) < (metric, key) { low = mid + 1 } else { high = mid }
        }
        return low < metrics.count && metrics[low] == metric && labels[low] == key ? low : nil
    }

    /// A text form that identifies the layout (unit separator between fields, record separator between
    /// series): stores keep it unique so every process maps the same series set to the same layout id.
    public var identity: String {
        var text = ""
        for (metric, key) in zip(metrics, labels) {
            text += metric
            text += "\u{1F}"
            text += key
            text += "\u{1E}"
        }
        return text
    }
}
