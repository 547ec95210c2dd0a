import FleetCore
import FleetProto
import Logging
import Metrics
import Synchronization

/// One hop's enforcement of the per-machine series limit (`SeriesBudget`, `BatchLimits.maxSeriesPerMachine`): the
/// edge applies it to raw readings, the persister and the live view to samples again (anyone with broker access
/// can publish on fleet.metrics). New series past the limit are removed from their batch and counted, and each
/// machine is logged once for the life of the process, so one that keeps inventing series shows up once.
public final class SeriesLimiter: Sendable {
    public let limit: Int
    private let budget: Mutex<SeriesBudget>
    private let counter: Counter
    private let logger: Logger
    private let logged = Mutex(FirstSightings())
    /// Who refused, in the log line: "ingest", "persister", "live view".
    private let stage: String

    public init(limit: Int, counter: String, stage: String, logger: Logger) {
        self.limit = limit
        self.budget = Mutex(SeriesBudget(limit: limit))
        self.counter = Counter(label: counter)
        self.stage = stage
        self.logger = logger
    }

    /// Removes the readings of new series past the machine's limit, as of `atMs`; returns how many.
    public func apply(_ batch: inout Fleetwatch_V1_RawBatch, atMs: Int64) -> Int {
        let refused = budget.withLock { $0.admit(machine: batch.machineID, series: batch.seriesHashes, atMs: atMs) }
        batch.removeReadings(at: refused)
        report(refused.count, machine: batch.machineID, sequence: batch.sequence)
        return refused.count
    }

    /// Removes the samples of new series past the machine's limit; returns how many. The batch's
    /// `refused_series` grows by as many, so the live view shows what every hop refused.
    @discardableResult
    public func apply(_ batch: inout Fleetwatch_V1_MetricBatch) -> Int {
        guard !batch.samples.isEmpty else { return 0 }
        let atMs = SampleTime.seenMilliseconds(of: batch)
        let refused = budget.withLock { $0.admit(machine: batch.machine.machineID, series: batch.seriesHashes, atMs: atMs) }
        guard !refused.isEmpty else { return 0 }
        batch.removeSamples(at: refused)
        batch.refusedSeries &+= UInt32(refused.count)
        report(refused.count, machine: batch.machine.machineID, sequence: batch.sequence)
        return refused.count
    }

    private func report(_ count: Int, machine: String, sequence: UInt64) {
        guard count > 0 else { return }
        counter.increment(by: count)
        // Truncated: the id comes from the sender, and the key is kept for the life of the process.
        let machine = String(machine.prefix(128))
        switch logged.withLock({ $0.sight(machine) }) {
        case .first:
            logger.warning(
                "new series refused: the machine is at its series limit (FLEETWATCH_MAX_SERIES); logged once per machine",
                metadata: [
                    "stage": "\(stage)", "machine": "\(machine)", "sequence": "\(sequence)", "refused": "\(count)",
                    "limit": "\(limit)",
                ])
        case .overflow:
            logger.warning("series refused for too many machines; further ones are only counted", metadata: ["stage": "\(stage)"])
        case .again, .full:
            break
        }
    }
}
