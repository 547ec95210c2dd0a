/// A dead-lettered message as `fleetwatch dlq list` shows it: where it came from and why it was dead-lettered,
/// by the consumer (`x-fleetwatch-reason`) or by the broker (`x-death-reason`, e.g. past `x-delivery-limit`).
public struct DeadLetter: Encodable, Sendable, Equatable {
    public var routingKey: String
    public var type: String?
    public var bytes: Int
    public var reason: String
    public var originalExchange: String?
    public var originalRoutingKey: String?
    public var redelivered: Bool

    public init(_ delivery: Delivery) {
        routingKey = delivery.headers[BusHeader.originalRoutingKey] ?? delivery.routingKey
        type = delivery.type
        bytes = delivery.body.count
        reason =
            delivery.headers[BusHeader.deadLetterReason] ?? delivery.headers["x-death-reason"].map { "broker: \($0)" }
            ?? "unknown"
        originalExchange = delivery.headers[BusHeader.originalExchange] ?? delivery.headers["x-death-exchange"]
        originalRoutingKey = delivery.headers[BusHeader.originalRoutingKey]
        redelivered = delivery.redelivered
    }

    enum CodingKeys: String, CodingKey {
        case routingKey = "routing_key", type, bytes, reason, originalExchange = "original_exchange"
        case originalRoutingKey = "original_routing_key", redelivered
    }

    /// Marks a copy published by one replay run.
    public static let replayRunHeader = "fleetwatch-replay-run"

    /// The message as it was before it was dead-lettered, sent straight back into `queue` through the
    /// default exchange: a broker-dead-lettered message no longer knows its original routing key, and
    /// only that queue's consumers should see it again.
    public static func replayMessage(for delivery: Delivery, queue: String, run: String) -> OutgoingMessage {
        var headers = delivery.headers.filter {
            !$0.key.hasPrefix("x-fleetwatch-") && !$0.key.hasPrefix("x-death") && $0.key != "x-first-death"
        }
        headers[replayRunHeader] = run
        return OutgoingMessage(
            exchange: "", routingKey: queue, body: delivery.body, type: delivery.type ?? "", headers: headers)
    }
}
