import FleetCore

/// Group commit for the edge, as bundles. Each caller hands over one encoded batch; what arrives while the
/// previous publish waits for its confirm goes out as one bundle message (several past `Limits`), so the
/// broker carries one message per confirm round trip instead of one per batch. Each caller returns once the
/// message holding its batch was confirmed, and fails with it. Nothing waits for a timer: on an idle edge a
/// batch goes out at once, as a bundle of one; under load bundles grow by themselves.
public actor BundlePublisher {
    /// How large one bundle message may grow.
    public struct Limits: Sendable {
        public var maxBatches: Int
        public var maxBytes: Int

        public init(maxBatches: Int = 1_000, maxBytes: Int = 1 << 20) {
            self.maxBatches = max(1, maxBatches)
            self.maxBytes = maxBytes
        }
    }

    private let bus: any MessageBus
    private let exchange: String
    private let routingKey: String
    private let type: String
    private let limits: Limits
    private var waiting: [(batch: [UInt8], done: CheckedContinuation<Void, any Error>)] = []
    private var flushing = false

    /// Batches waiting for the next bundle (the one before it is being published).
    public var waitingCount: Int { waiting.count }

    /// Publishes `RawBundle`s on fleet.raw unless told otherwise.
    public init(
        bus: any MessageBus, exchange: String = FleetExchange.raw, routingKey: String = RoutingKey.rawBundle,
        type: String = MessageType.rawBundle, limits: Limits = Limits()
    ) {
        self.bus = bus
        self.exchange = exchange
        self.routingKey = routingKey
        self.type = type
        self.limits = limits
    }

    /// Publishes one encoded batch inside a bundle and returns once the broker confirmed that bundle.
    public func publish(_ batch: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            waiting.append((batch, done))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !waiting.isEmpty {
            let group = waiting
            waiting.removeAll(keepingCapacity: true)
            let messages = Self.bundles(of: group.map(\.batch), limits: limits).map {
                OutgoingMessage(exchange: exchange, routingKey: routingKey, body: $0.bytes, type: type)
            }
            do {
                try await bus.publish(messages)
                for entry in group { entry.done.resume() }
            } catch {
                for entry in group { entry.done.resume(throwing: error) }
            }
        }
        flushing = false
    }

    /// `batches` in order, cut into bundles within `limits` (a batch larger than `maxBytes` travels alone).
    static func bundles(of batches: [[UInt8]], limits: Limits) -> [BundleBody] {
        var bundles: [BundleBody] = []
        var current = BundleBody()
        for batch in batches {
            if current.count > 0, current.count >= limits.maxBatches || current.size(adding: batch) > limits.maxBytes {
                bundles.append(current)
                current = BundleBody()
            }
            current.append(batch)
        }
        if current.count > 0 { bundles.append(current) }
        return bundles
    }
}
