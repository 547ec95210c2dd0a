import FleetBus
import FleetCore
import FleetProto
import SwiftProtobuf

/// Turns a delivery from fleet.persist into a `Fleetwatch_V1_MetricBatch` the store accepts, or says
/// precisely why not: that reason travels with the message to the dead-letter queue.
///
/// A bad value is not a bad batch: samples and process entries whose value is not usable (`SampleValue`:
/// NaN, ±Inf, beyond ±1e300) are removed and reported, and the rest is persisted. Anyone with broker access can
/// publish on fleet.metrics, and dead-lettering the batch would lose its good samples for good (replay would
/// refuse it again).
public enum MetricBatchDecoder {
    /// Why a delivery cannot be persisted, ever (retrying would fail the same way).
    public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The latest timestamp stored: the end of year 9999, the range of daily partition names.
    static let maxTimestampMs: Int64 = 253_402_300_799_999

    /// A batch the store accepts, and the values removed from it on the way.
    public struct Decoded: Sendable {
        public var batch: Fleetwatch_V1_MetricBatch
        public var dropped: [DroppedValue]
    }

    public static func decode(_ delivery: Delivery) -> Result<Decoded, Rejection> {
        if let type = delivery.type, !type.isEmpty, type != MessageType.metricBatch {
            return .failure(Rejection(reason: "unexpected message type '\(type)', expected '\(MessageType.metricBatch)'"))
        }
        var batch: Fleetwatch_V1_MetricBatch
        do {
            batch = try Fleetwatch_V1_MetricBatch(serializedBytes: delivery.body)
        } catch {
            return .failure(
                Rejection(reason: "undecodable \(MessageType.metricBatch) (\(delivery.body.count) bytes): \(error)"))
        }
        let dropped = batch.removeUnusableValues()
        if let problem = validate(batch) { return .failure(Rejection(reason: problem)) }
        return .success(Decoded(batch: batch, dropped: dropped))
    }

    /// Nil when the store can take the batch; otherwise the first problem found. `decode` removes unusable
    /// values first, so for a delivery only structural problems remain.
    public static func validate(_ batch: Fleetwatch_V1_MetricBatch) -> String? {
        let machineID = batch.machine.machineID
        guard batch.hasMachine, !machineID.isEmpty else { return "missing machine.machine_id" }
        let identity = batch.machine
        for (field, value) in [
            ("machine.machine_id", machineID), ("machine.hostname", identity.hostname), ("machine.os", identity.os),
            ("machine.kernel", identity.kernel), ("machine.agent_version", identity.agentVersion),
        ] where value.contains("\0") {
            return "\(field) contains a NUL character (PostgreSQL text cannot store it)"
        }
        if identity.labels.contains(where: { $0.key.contains("\0") || $0.value.contains("\0") }) {
            return "machine.labels contain a NUL character (PostgreSQL text cannot store it)"
        }
        for (index, sample) in batch.samples.enumerated() {
            let what = "sample \(index) of machine '\(machineID)' sequence \(batch.sequence)"
            guard !sample.name.isEmpty else { return "\(what): empty metric name" }
            let series = "\(what) (\(sample.name))"
            if let problem = SampleValue.problem(with: sample.value) { return "\(series): \(problem)" }
            let timestamp = SampleTime.milliseconds(of: sample, in: batch)
            guard timestamp > 0, timestamp <= maxTimestampMs else {
                return "\(series): timestamp_ms \(timestamp) is outside 1970-01-01 … 9999-12-31"
            }
            if sample.name.contains("\0")
                || sample.labels.contains(where: { $0.key.contains("\0") || $0.value.contains("\0") })
            {
                return "\(series): name or labels contain a NUL character (PostgreSQL text cannot store it)"
            }
            if sample.labels.keys.contains("") { return "\(series): a label has an empty name" }
        }
        return nil
    }
}
