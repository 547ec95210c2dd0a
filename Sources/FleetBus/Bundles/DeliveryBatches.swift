import FleetCore
import FleetProto
import SwiftProtobuf

/// The batches one delivery carries: a bundle of many (what the edge and the normalizer publish), or a single
/// batch (the format before bundles, still taken so queues drain across an upgrade and old dead letters replay).
/// Either way the batches come out alike: a single batch gets its receive time and trace context from the
/// message headers, where that format kept them. A delivery from a publisher in this process comes with its
/// batches already decoded (`DecodedBatches`), and they are taken as they are.
public enum DeliveryBatches {
    /// The raw batches of a delivery on fleet.raw.
    public static func raw(_ delivery: Delivery) throws(ValidationError) -> [Fleetwatch_V1_RawBatch] {
        switch delivery.type ?? "" {
        case MessageType.rawBundle:
            if case .raw(let batches)? = delivery.decoded { return batches }
            return try decode(Fleetwatch_V1_RawBundle.self, delivery).batches
        case MessageType.rawBatch, "":
            var batch = try decode(Fleetwatch_V1_RawBatch.self, delivery)
            if let receivedMs = delivery.headers[BusHeader.receivedAt].flatMap({ Int64($0) }) { batch.receivedMs = receivedMs }
            if let traceParent = delivery.headers[BusHeader.traceParent] { batch.traceParent = traceParent }
            return [batch]
        case let other:
            throw ValidationError("type", "expected \(MessageType.rawBundle) or \(MessageType.rawBatch), got '\(other)'")
        }
    }

    /// The canonical batches of a delivery on fleet.metrics.
    public static func metric(_ delivery: Delivery) throws(ValidationError) -> [Fleetwatch_V1_MetricBatch] {
        switch delivery.type ?? "" {
        case MessageType.metricBundle:
            if case .metric(let batches)? = delivery.decoded { return batches }
            return try decode(Fleetwatch_V1_MetricBundle.self, delivery).batches
        case MessageType.metricBatch, "":
            var batch = try decode(Fleetwatch_V1_MetricBatch.self, delivery)
            if batch.traceParent.isEmpty, let traceParent = delivery.headers[BusHeader.traceParent] {
                batch.traceParent = traceParent
            }
            return [batch]
        case let other:
            throw ValidationError("type", "expected \(MessageType.metricBundle) or \(MessageType.metricBatch), got '\(other)'")
        }
    }

    private static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, _ delivery: Delivery) throws(ValidationError) -> M {
        do {
            return try M(serializedBytes: delivery.body)
        } catch {
            throw ValidationError(
                "body", "not a decodable \(M.protoMessageName) (\(delivery.body.count) bytes): \(error)")
        }
    }
}
