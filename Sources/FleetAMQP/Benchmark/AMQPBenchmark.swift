import FleetBus

/// Raw throughput of the AMQP adapter against a real broker, for docs/benchmarks and the lead's
/// checks: small transient messages (persistent on request) published with confirms in arrays of `batch`, then
/// consumed back with batched acks. Uses a temporary queue that is deleted afterwards.
public enum AMQPBenchmark {
    /// The same for a URL in the `FLEETWATCH_AMQP_URL` form; a malformed one throws `AMQPURLError`.
    public static func publishConsume(
        url: String, count: Int = 50_000, batch: Int = 200, bodySize: Int = 64, persistent: Bool = false
    ) async throws -> (publishPerSecond: Double, consumePerSecond: Double) {
        try await publishConsume(
            url: try AMQPURL(parsing: url), count: count, batch: batch, bodySize: bodySize, persistent: persistent)
    }

    /// Publishes `count` messages of `bodySize` bytes in arrays of `batch` (awaiting the confirms of
    /// each array before the next), then consumes them all. Returns messages per second of each phase.
    public static func publishConsume(
        url: AMQPURL, count: Int = 50_000, batch: Int = 200, bodySize: Int = 64, persistent: Bool = false
    ) async throws -> (publishPerSecond: Double, consumePerSecond: Double) {
        let bus = AMQPBus(url: url)
        let queue = "fleetwatch.benchmark.\(UInt32.random(in: 0...UInt32.max))"
        do {
            try await bus.declare(Topology(queues: [Topology.Queue(name: queue, durable: false)]))
            let body = [UInt8](repeating: 0x2A, count: bodySize)
            let message = OutgoingMessage(
                exchange: "", routingKey: queue, body: body, type: "fleetwatch.v1.Benchmark", persistent: persistent)

            let clock = ContinuousClock()
            let publishStart = clock.now
            var published = 0
            while published < count {
                let size = min(batch, count - published)
                try await bus.publish(Array(repeating: message, count: size))
                published += size
            }
            let publishSeconds = seconds(clock.now - publishStart)

            let consumer = try await bus.makeConsumer(queue: queue, prefetch: 2000)
            let consumeStart = clock.now
            var received = 0
            while received < count {
                let deliveries = try await consumer.nextBatch(max: 500, window: .milliseconds(5))
                if deliveries.isEmpty { break }
                try await consumer.ack(deliveries)
                received += deliveries.count
            }
            let consumeSeconds = seconds(clock.now - consumeStart)
            await consumer.close()
            _ = try? await bus.deleteQueue(queue)
            await bus.shutdown()
            return (Double(published) / publishSeconds, Double(received) / consumeSeconds)
        } catch {
            _ = try? await bus.deleteQueue(queue)
            await bus.shutdown()
            throw error
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
