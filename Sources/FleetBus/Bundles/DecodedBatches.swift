import FleetProto

/// The batches a bundle's body encodes, as values. A publisher hands them along with the body, and the in-process
/// bus (the hub) passes them on to every consumer, so nothing in one process decodes what it has just encoded:
/// before this, each batch was decoded four times in the hub (normalizer, persister, evaluator, live view), the
/// largest share of its CPU. RabbitMQ carries only the body; consumers of the AMQP bus decode it as before
/// (`DeliveryBatches`), and get the same values.
public enum DecodedBatches: Sendable, Equatable {
    /// What a `RawBundle` body holds.
    case raw([Fleetwatch_V1_RawBatch])
    /// What a `MetricBundle` body holds.
    case metric([Fleetwatch_V1_MetricBatch])
}
