import FleetCore
import Logging
import Metrics
import Synchronization

/// How a consumer accounts for the values it drops at its boundary (`DroppedValue`): every one is counted in
/// a Prometheus counter, and each (machine, series) is logged once for the life of the process, so a machine
/// that keeps sending a broken value shows up once in the log instead of on every batch. What was logged is
/// remembered up to `maxLoggedSeries` pairs (bounded memory against a sender inventing series); beyond that,
/// new pairs are only counted, which is itself logged once.
public final class DroppedValueReporter: Sendable {
    public static let defaultMaxLoggedSeries = 10_000

    private struct Logged {
        var keys: Set<String> = []
        var full = false
    }

    private let counter: Counter
    private let logger: Logger
    private let stage: String
    private let maxLoggedSeries: Int
    private let logged = Mutex(Logged())

    /// `counter` is the Prometheus series to count in; `stage` names the consumer in the log lines.
    public init(counter: String, stage: String, logger: Logger, maxLoggedSeries: Int = defaultMaxLoggedSeries) {
        self.counter = Counter(label: counter)
        self.stage = stage
        self.logger = logger
        self.maxLoggedSeries = max(0, maxLoggedSeries)
    }

    /// Counts `dropped`, the values removed from one batch of `machine`, and logs the series not logged before.
    public func report(_ dropped: [DroppedValue], machine: String, sequence: UInt64) {
        guard !dropped.isEmpty else { return }
        counter.increment(by: dropped.count)
        // Truncated: both come from the sender, and the key is kept for the life of the process.
        let machine = String(machine.prefix(128))
        let (fresh, filledUp): ([DroppedValue], Bool) = logged.withLock { logged in
            var fresh: [DroppedValue] = []
            var filledUp = false
            for value in dropped {
                let key = "\(machine)\u{0}\(value.series.prefix(256))"
                guard !logged.keys.contains(key) else { continue }
                guard logged.keys.count < maxLoggedSeries else {
                    if !logged.full { logged.full = true; filledUp = true }
                    break
                }
                logged.keys.insert(key)
                fresh.append(value)
            }
            return (fresh, filledUp)
        }
        for value in fresh {
            logger.warning(
                "unusable value dropped, the rest of the batch kept (logged once per machine and series)",
                metadata: [
                    "stage": "\(stage)", "machine": "\(machine)", "series": "\(value.series.prefix(256))",
                    "value": "\(value.value)", "sequence": "\(sequence)",
                ])
        }
        if filledUp {
            logger.warning(
                "unusable values from more than \(maxLoggedSeries) series; further ones are only counted",
                metadata: ["stage": "\(stage)"])
        }
    }
}
