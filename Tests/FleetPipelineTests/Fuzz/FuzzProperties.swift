import FleetCore
import FleetProto

/// The properties the fuzz harness checks on every input, as pure functions: nil when the property holds,
/// otherwise what went wrong. Trapping (property 1, "no crash") needs no check of its own: a trap ends the test
/// process, and the seed printed at the start replays it.
enum FuzzProperties {
    /// Property 2: a batch the edge's validation accepts normalizes without throwing, its output holds only usable
    /// values, and it passes `MetricBatch.validate` at the same clock: a batch the edge acks is never refused by
    /// the normalizer, the persister, the evaluator or the live view. A refused batch still goes through the
    /// normalizer (anyone with broker access can publish it on fleet.raw), which must refuse it, never trap.
    static func acceptedBatchSurvivesNormalization(
        _ batch: Fleetwatch_V1_RawBatch, limits: BatchLimits, nowMs: Int64
    ) -> String? {
        let normalizer = Normalizer(limits: limits)
        do {
            try batch.validate(limits: limits, nowMs: nowMs)
        } catch {
            _ = try? normalizer.normalize(batch, receivedMs: nowMs, nowMs: nowMs)
            return nil
        }
        let result: Normalizer.Result
        do {
            result = try normalizer.normalize(batch, receivedMs: nowMs, nowMs: nowMs)
        } catch {
            return "the edge accepts the batch, the normalizer refuses it: \(error)"
        }
        for sample in result.batch.samples where !SampleValue.isUsable(sample.value) {
            return "normalized sample \(sample.name)\(sample.labels) has unusable value \(sample.value)"
        }
        var output = result.batch
        let removed = output.removeUnusableValues()
        if !removed.isEmpty { return "consumers would remove \(removed.count) values from the normalizer's output" }
        do {
            try output.validate(limits: limits, nowMs: nowMs)
        } catch {
            return "the edge accepts the batch, consumers of fleet.metrics refuse its normalized form: \(error)"
        }
        return nil
    }
}
