/// Measures what a collection tick costs in CPU time, for `fleetwatch collect --measure-ticks N`.
/// Ticks run back to back with a simulated 5 s between them, so rates and process deltas are
/// computed exactly as in production, without waiting.
public enum CollectorBenchmark {
    /// CPU time per tick over a run, excluding the first (cold, rate-less) tick.
    public struct Result: Sendable, CustomStringConvertible {
        public var ticks: Int
        public var mean: Duration
        public var median: Duration
        public var max: Duration
        public var readingsPerTick: Int
        public var processesRanked: Int

        public var description: String {
            "\(ticks) ticks: mean \(Self.ms(mean)) ms, median \(Self.ms(median)) ms, max \(Self.ms(max)) ms CPU per tick; "
                + "\(readingsPerTick) readings, \(processesRanked) processes ranked"
        }

        static func ms(_ d: Duration) -> String {
            let (s, atto) = d.components
            let micros = s * 1_000_000 + atto / 1_000_000_000_000
            let whole = micros / 1000
            let fraction = micros % 1000
            return "\(whole)." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction)
        }
    }

    public static func measure<FileSystem: ProcFileSystem>(
        _ collector: MetricCollector<FileSystem>, ticks: Int, includeProcesses: Bool = true
    ) -> Result {
        var now = TickTime.now()
        var last = collector.collect(now: now, includeProcesses: includeProcesses)
        var costs: [Duration] = []
        costs.reserveCapacity(Swift.max(ticks, 1))
        for _ in 0..<Swift.max(ticks, 1) {
            now = now.advanced(by: .seconds(5))
            last = collector.collect(now: now, includeProcesses: includeProcesses)
            costs.append(collector.lastTickCPU)
        }
        let sorted = costs.sorted()
        let total = costs.reduce(Duration.zero, +)
        return Result(
            ticks: costs.count, mean: total / costs.count, median: sorted[sorted.count / 2], max: sorted.last!,
            readingsPerTick: last.readings.count, processesRanked: last.processes.byCpu.count)
    }
}
