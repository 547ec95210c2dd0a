import FleetStore
import Logging

/// The persister's periodic store work beside the write path: the rollup pass over closed buckets and
/// retention. Failures are logged and counted, and the next round tries again; neither ever blocks writes.
extension Persister {
    func runRollups(every interval: Duration) async {
        await repeatPass("rollup pass", every: interval, failureLevel: .warning) {
            let report = try await store.rollUp(now: now())
            metrics.rolledUpMinutes.increment(by: report.minutes)
            if report.minutes > 0 || report.hours > 0 {
                logger.debug("rolled up closed buckets", metadata: ["minutes": "\(report.minutes)", "hours": "\(report.hours)"])
            }
        }
    }

    func runRetention(every interval: Duration) async {
        await repeatPass("retention", every: interval, failureLevel: .error) {
            let report = try await store.applyRetention(now: now())
            logger.info(
                "retention applied",
                metadata: [
                    "dropped_partitions": "\(report.droppedPartitions)",
                    "deleted_minute_rollups": "\(report.deletedMinuteRollups)",
                    "deleted_hour_rollups": "\(report.deletedHourRollups)",
                ])
        }
    }

    /// Runs `pass` now and then every `interval` until the task is cancelled; a failure is counted as a store
    /// error and logged, and the next round tries again.
    private func repeatPass(
        _ name: String, every interval: Duration, failureLevel: Logger.Level, _ pass: () async throws -> Void
    ) async {
        while !Task.isCancelled {
            do {
                try await pass()
            } catch is CancellationError {
                return
            } catch {
                metrics.storeErrors.increment()
                logger.log(level: failureLevel, "\(name) failed; trying again next round", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
