import FleetStore
import Logging

/// The persister's periodic store work beside the write path: the rollup pass over closed buckets and
/// retention. Failures are logged and counted, and the next round tries again; neither ever blocks writes.
extension Persister {
    func runRollups(every interval: Duration) async {
        while !Task.isCancelled {
            do {
                let report = try await store.rollUp(now: now())
                metrics.rolledUpMinutes.increment(by: report.minutes)
                if report.minutes > 0 || report.hours > 0 {
                    logger.debug(
                        "rolled up closed buckets", metadata: ["minutes": "\(report.minutes)", "hours": "\(report.hours)"])
                }
            } catch is CancellationError {
                return
            } catch {
                metrics.storeErrors.increment()
                logger.warning("rollup pass failed; trying again next round", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    func runRetention(every interval: Duration) async {
        while !Task.isCancelled {
            do {
                let report = try await store.applyRetention(now: now())
                logger.info(
                    "retention applied",
                    metadata: [
                        "dropped_partitions": "\(report.droppedPartitions)",
                        "deleted_minute_rollups": "\(report.deletedMinuteRollups)",
                        "deleted_hour_rollups": "\(report.deletedHourRollups)",
                    ])
            } catch is CancellationError {
                return
            } catch {
                metrics.storeErrors.increment()
                logger.error("retention failed; trying again next round", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
