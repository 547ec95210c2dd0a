import FleetBus
import FleetCore
import FleetProto
import SwiftProtobuf

/// Turns a delivery from fleet.persist (a `MetricBundle`, or a single `MetricBatch` from before bundles)
/// into the batches the store accepts, or says precisely why not: that reason travels with the message, or
/// with the one batch of a bundle, to the dead-letter queue.
///
/// A bad value is not a bad batch: samples and process entries whose value is not usable (`SampleValue`:
/// NaN, ±Inf, beyond ±1e300) are removed and reported, and the rest is persisted. Anyone with broker access can
/// publish on fleet.metrics, and dead-lettering the batch would lose its good samples for good (replay would
/// refuse it again). Likewise a bad batch is not a bad bundle: it alone is rejected.
///
/// A batch is checked with the edge's rules (`Fleetwatch_V1_MetricBatch.validate`: machine id, identity bounds, and
/// every timestamp within `BatchLimits`' window of the persister's clock), because the edge is not the only one who
/// can publish on fleet.metrics: a machine id `../../x` or a year-3000 timestamp never reaches the store.
public enum MetricBatchDecoder {
    /// Why a delivery or a batch cannot be persisted, ever (retrying would fail the same way).
    public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// A batch the store accepts, and the values removed from it on the way.
    public struct Accepted: Sendable {
        public var batch: Fleetwatch_V1_MetricBatch
        public var dropped: [DroppedValue]
    }

    /// A batch of the delivery the store can never take, and why.
    public struct Refused: Sendable {
        public var batch: Fleetwatch_V1_MetricBatch
        public var rejection: Rejection
    }

    /// What a decodable delivery holds, in order.
    public struct Decoded: Sendable {
        public var accepted: [Accepted] = []
        public var refused: [Refused] = []
        /// Batches the delivery carried.
        public var count: Int { accepted.count + refused.count }
    }

    /// Fails only when nothing of the delivery can be read (undecodable, or not a batch at all). `nowMs` is the
    /// persister's clock, against which every batch's timestamps are checked.
    public static func decode(
        _ delivery: Delivery, limits: BatchLimits = .standard, nowMs: Int64
    ) -> Result<Decoded, Rejection> {
        let batches: [Fleetwatch_V1_MetricBatch]
        do {
            batches = try DeliveryBatches.metric(delivery)
        } catch {
            return .failure(Rejection(reason: error.reason))
        }
        var decoded = Decoded()
        for var batch in batches {
            let dropped = batch.removeUnusableValues()
            if let problem = validate(batch, limits: limits, nowMs: nowMs) {
                decoded.refused.append(Refused(batch: batch, rejection: Rejection(reason: problem)))
            } else {
                decoded.accepted.append(Accepted(batch: batch, dropped: dropped))
            }
        }
        return .success(decoded)
    }

    /// Nil when the store can take the batch at the persister's time `nowMs`; otherwise the first problem found:
    /// the boundary rule every consumer of fleet.metrics applies (`Fleetwatch_V1_MetricBatch.validate`), then
    /// what PostgreSQL itself cannot hold. `decode` removes unusable values first, so for a delivery only
    /// structural problems remain.
    public static func validate(
        _ batch: Fleetwatch_V1_MetricBatch, limits: BatchLimits = .standard, nowMs: Int64
    ) -> String? {
        let machineID = batch.machine.machineID
        guard batch.hasMachine, !machineID.isEmpty else { return "missing machine.machine_id" }
        do {
            try batch.validate(limits: limits, nowMs: nowMs)
        } catch {
            return "\(error)"
        }
        let identity = batch.machine
        for (field, value) in [
            ("machine.machine_id", machineID), ("machine.hostname", identity.hostname), ("machine.os", identity.os),
            ("machine.kernel", identity.kernel), ("machine.agent_version", identity.agentVersion),
        ] where value.containsNUL {
            return "\(field) contains a NUL character (PostgreSQL text cannot store it)"
        }
        if identity.labels.contains(where: { $0.key.containsNUL || $0.value.containsNUL }) {
            return "machine.labels contain a NUL character (PostgreSQL text cannot store it)"
        }
        for (index, sample) in batch.samples.enumerated() {
            let what = "sample \(index) of machine '\(machineID)' sequence \(batch.sequence)"
            guard !sample.name.isEmpty else { return "\(what): empty metric name" }
            let series = "\(what) (\(sample.name))"
            // Its time is within the boundary rule's window of `nowMs` (checked above), so within partition names.
            if let problem = SampleValue.problem(with: sample.value) { return "\(series): \(problem)" }
            if sample.name.containsNUL
                || sample.labels.contains(where: { $0.key.containsNUL || $0.value.containsNUL })
            {
                return "\(series): name or labels contain a NUL character (PostgreSQL text cannot store it)"
            }
            if sample.labels.keys.contains("") { return "\(series): a label has an empty name" }
        }
        return nil
    }
}

extension String {
    /// A NUL byte, which PostgreSQL text cannot store (a byte scan: Foundation's `contains("\0")` cost the hub 7 % of
    /// its CPU).
    fileprivate var containsNUL: Bool { utf8.contains(0) }
}
