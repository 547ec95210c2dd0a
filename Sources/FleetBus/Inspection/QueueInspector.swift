/// What a queue holds and who reads it: the figures of the dashboard's pipeline-health panel.
public struct QueueStatus: Sendable, Equatable, Codable {
    public var name: String
    /// Messages waiting for a consumer.
    public var ready: Int
    /// Messages delivered and not yet acknowledged.
    public var unacked: Int
    public var consumers: Int

    public init(name: String, ready: Int, unacked: Int, consumers: Int) {
        self.name = name
        self.ready = ready
        self.unacked = unacked
        self.consumers = consumers
    }
}

/// Reads the depth and consumers of every queue of a bus: the RabbitMQ management API for the AMQP bus
/// (`RabbitManagementInspector`), the queues themselves in process (`InProcessBus`).
public protocol QueueInspector: Sendable {
    func queueStatus() async throws -> [QueueStatus]
}
