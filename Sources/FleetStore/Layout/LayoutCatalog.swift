/// The series layouts a store has met, both ways: the id of a layout (for writing ticks) and, for reading one
/// series, where it sits in every known layout. Layouts never change once written, so nothing here goes stale;
/// the catalogue only grows, and a reader that meets an id it does not know loads that layout and asks again.
public struct LayoutCatalog: Sendable {
    private var ids: [SeriesLayout: Int] = [:]
    private var byID: [Int: SeriesLayout] = [:]
    /// Position arrays already built, per series (at most `cachedSeries`); dropped whenever a layout is added.
    private var positionArrays: [SeriesKey: [Int32]] = [:]

    public init() {}

    /// How many layouts are known.
    public var count: Int { byID.count }

    public func id(of layout: SeriesLayout) -> Int? { ids[layout] }

    public func layout(id: Int) -> SeriesLayout? { byID[id] }

    public mutating func add(id: Int, layout: SeriesLayout) {
        guard byID[id] == nil else { return }
        ids[layout] = id
        byID[id] = layout
        positionArrays.removeAll(keepingCapacity: true)
    }

    /// Where the series sits in each known layout, indexed by layout id: element `id − 1` (a SQL array's element
    /// `id`) holds the series' 1-based position in layout `id`, `0` when that layout does not hold the series, and
    /// `unknownLayout` when no layout with that id is known (an id never used, or a layout written since). Ids past
    /// the end are unknown too. Layout ids start at 1.
    public mutating func positions(metric: String, labels: String) -> [Int32] {
        let key = SeriesKey(metric: metric, labels: labels)
        if let cached = positionArrays[key] { return cached }
        let highest = byID.keys.max() ?? 0
        var positions = [Int32](repeating: Self.unknownLayout, count: max(0, highest))
        for (id, layout) in byID where id >= 1 {
            // Layouts are written sorted (`MachineTick.group`); one written otherwise is searched in full.
            let index =
                layout.index(metric: metric, labels: labels)
                ?? layout.metrics.indices.first { layout.metrics[$0] == metric && layout.labels[$0] == labels }
            positions[id - 1] = index.map { Int32($0 + 1) } ?? 0
        }
        if positionArrays.count >= Self.cachedSeries { positionArrays.removeAll(keepingCapacity: true) }
        positionArrays[key] = positions
        return positions
    }

    /// How many series' position arrays are kept: the charts of a few machine pages. Each weighs 4 bytes per
    /// layout of the fleet.
    static let cachedSeries = 256

    /// The position `positions(metric:labels:)` gives a layout id it does not know.
    public static let unknownLayout: Int32 = -1

    private struct SeriesKey: Hashable {
        var metric: String
        var labels: String
    }
}
