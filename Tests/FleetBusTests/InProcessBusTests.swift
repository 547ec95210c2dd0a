import Testing

@testable import FleetBus

@Suite struct InProcessBusTests {
    /// Without a wait for room (`publishWait` zero) a full durable queue refuses at once.
    @Test func aFullDurableQueueRefusesPublishesUntilConsumersCatchUp() async throws {
        let bus = InProcessBus(defaultMaxLength: 2, publishWait: .zero)
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        try await bus.publish([message("q", "1"), message("q", "2")])
        await #expect(throws: BusError.nacked("queue 'q' is full (2 messages); retry later")) {
            try await bus.publish([message("q", "3")])
        }
        let consumer = try await bus.consume(queue: "q", prefetch: 10)
        let first = try #require(try await consumer.next())
        try await consumer.ack([first])
        try await bus.publish([message("q", "3")])
        #expect(bus.depth(of: "q")?.ready == 2)
    }

    @Test func waitUntilIdleReturnsOnceEverythingIsSettled() async throws {
        let bus = InProcessBus()
        try await bus.declare(Topology.exchanges + Topology.durableQueue("q"))
        try await bus.publish([message("q", "1")])
        let consumer = try await bus.consume(queue: "q", prefetch: 10)
        let delivery = try #require(try await consumer.next())
        async let idle: Void = bus.waitUntilIdle(["q"], poll: .milliseconds(1))
        #expect(bus.depth(of: "q")?.unacked == 1)
        try await consumer.ack([delivery])
        await idle
        #expect(bus.depth(of: "q")! == (0, 0))
    }

    @Test(arguments: [
        ("metrics.#", "metrics", true), ("metrics.#", "metrics.a.b", true), ("metrics.*", "metrics.a.b", false),
        ("metrics.*.samples", "metrics.a.samples", true), ("#", "anything.at.all", true), ("a.#.z", "a.z", true),
        ("a.#.z", "a.b.c.z", true), ("a.#.z", "a.b.c", false), ("raw.#", "metrics.a", false),
    ])
    func topicPatterns(pattern: String, key: String, matches: Bool) {
        #expect(TopicPattern.matches(pattern, key) == matches)
    }
}
