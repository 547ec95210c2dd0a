import FleetCore
import FleetProto

/// One machine's samples at one instant, the unit both stores write: a row keyed by (machine, time,
/// layout) holding every value of that instant in layout order. A collector tick of ~27 series becomes
/// one row instead of 27, which is what makes the raw tier cheap to write and small on disk.
public struct MachineTick: Sendable, Equatable {
    public var machineID: String
    public var milliseconds: Int64
    public var layout: SeriesLayout
    public var values: [Double]

    public init(machineID: String, milliseconds: Int64, layout: SeriesLayout, values: [Double]) {
        self.machineID = machineID
        self.milliseconds = milliseconds
        self.layout = layout
        self.values = values
    }

    /// The ticks of `batches`, grouped per batch by sample time (`SampleTime`). A series repeated at the same
    /// instant keeps its first value, as a row-per-sample store with `ON CONFLICT DO NOTHING` did; a batch
    /// listed twice (a redelivery within one round) yields its ticks once.
    public static func group(_ batches: [Fleetwatch_V1_MetricBatch]) -> [MachineTick] {
        var ticks: [MachineTick] = []
        var emitted: Set<TickKey> = []
        // A fleet repeats a few label sets over and over: sort and escape each once per call.
        var labelKeys: [[String: String]: String] = [:]
        for batch in batches {
            var instants: [Int64: [(metric: String, labels: String, value: Double)]] = [:]
            for sample in batch.samples {
                let key: String
                if sample.labels.isEmpty {
                    key = ""
                } else if let known = labelKeys[sample.labels] {
                    key = known
                } else {
                    key = LabelSet.key(sample.labels)
                    labelKeys[sample.labels] = key
                }
                instants[SampleTime.milliseconds(of: sample, in: batch), default: []].append((sample.name, key, sample.value))
            }
            for (ms, samples) in instants.sorted(by: { $0.key < $1.key }) {
                // Stable sort keeps the first of repeated series first; drop the repeats after it.
                let sorted = samples.enumerated().sorted {
                    ($0.element.metric, $0.element.labels, $0.offset) < ($1.element.metric, $1.element.labels, $1.offset)
                }.map(\.element)
                var series: [(metric: String, labels: String)] = []
                var values: [Double] = []
                series.reserveCapacity(sorted.count)
                values.reserveCapacity(sorted.count)
                for sample in sorted {
                    if let last = series.last, last.metric == sample.metric, last.labels == sample.labels { continue }
                    series.append((sample.metric, sample.labels))
                    values.append(sample.value)
                }
                let tick = MachineTick(
                    machineID: batch.machine.machineID, milliseconds: ms, layout: SeriesLayout(sorted: series),
                    values: values)
                if emitted.insert(TickKey(machineID: tick.machineID, milliseconds: ms, layout: tick.layout)).inserted {
                    ticks.append(tick)
                }
            }
        }
        return ticks
    }

    private struct TickKey: Hashable {
        var machineID: String
        var milliseconds: Int64
        var layout: SeriesLayout
    }
}
