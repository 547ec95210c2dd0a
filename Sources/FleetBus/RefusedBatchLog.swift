import FleetCore
import FleetProto
import Logging
import Metrics
import Synchronization

/// How a consumer of fleet.metrics that skips what it refuses at its boundary (`Fleetwatch_V1_MetricBatch.validate`;
/// the live view, the alert evaluator) accounts for it: every refusal is counted, and each (machine, field) is
/// logged once for the life of the process, so a publisher that keeps sending a bad batch shows up once in the log
/// instead of on every message. Memory is bounded (`FirstSightings`): beyond its capacity new pairs are only
/// counted, which is itself logged once.
public final class RefusedBatchLog: Sendable {
    private let counter: Counter
    private let logger: Logger
    private let logged = Mutex(FirstSightings())
    /// Who refused, in the log line: "live view", "evaluator".
    private let stage: String

    public init(counter: String, stage: String, logger: Logger) {
        self.counter = Counter(label: counter)
        self.stage = stage
        self.logger = logger
    }

    public func report(_ error: ValidationError, of batch: Fleetwatch_V1_MetricBatch) {
        counter.increment()
        // Truncated: the id comes from the sender, and the key is kept for the life of the process.
        let machine = String(batch.machine.machineID.prefix(128))
        switch logged.withLock({ $0.sight("\(machine)\u{0}\(error.fieldKind)") }) {
        case .first:
            logger.warning(
                "batch refused at the \(stage)'s boundary and skipped (logged once per machine and field)",
                metadata: ["machine": "\(machine)", "sequence": "\(batch.sequence)", "error": "\(error)"])
        case .overflow:
            logger.warning("refused live batches from too many machines and fields; further ones are only counted")
        case .again, .full:
            break
        }
    }

    /// True when `batch` passes the edge's rules (`Fleetwatch_V1_MetricBatch.validate`) at this consumer's time
    /// `nowMs`; otherwise the refusal is reported and the caller skips the batch.
    public func accepts(_ batch: Fleetwatch_V1_MetricBatch, limits: BatchLimits, nowMs: Int64) -> Bool {
        do {
            try batch.validate(limits: limits, nowMs: nowMs)
            return true
        } catch {
            report(error, of: batch)
            return false
        }
    }
}
