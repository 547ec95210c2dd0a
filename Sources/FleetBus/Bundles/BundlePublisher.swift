import FleetCore
import FleetProto

/// Group commit for the edge, as bundles. Each caller hands over one encoded batch; what arrives while
/// `maxInFlight` publishes wait for their confirms goes out as one bundle message (within `Limits`), so the
/// broker carries one message per confirm round trip instead of one per batch. Each caller returns once the
/// message holding its batch was confirmed, and fails with it. Nothing waits for a timer: on an idle edge a
/// batch goes out at once, as a bundle of one; under load bundles grow by themselves.
public actor BundlePublisher {
    /// How large one bundle message may grow.
    public struct Limits: Sendable {
        public var maxBatches: Int
        public var maxBytes: Int
        /// Bundles published at once, each waiting for its confirm. More than one keeps a batch that arrives
        /// during a round trip from waiting for it to end; a few suffice to keep the broker busy.
        public var maxInFlight: Int

        public init(maxBatches: Int = 1_000, maxBytes: Int = 1 << 20, maxInFlight: Int = 4) {
            self.maxBatches = max(1, maxBatches)
            self.maxBytes = maxBytes
            self.maxInFlight = max(1, maxInFlight)
        }
    }

    private let bus: any MessageBus
    private let exchange: String
    private let routingKey: String
    private let type: String
    private let limits: Limits
    private var waiting: [Waiting] = []
    private var inFlight = 0

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

    private struct Waiting {
        var batch: [UInt8]
        var decoded: Fleetwatch_V1_RawBatch?
        var done: CheckedContinuation<Void, any Error>
    }

    /// Publishes one encoded batch inside a bundle and returns once the broker confirmed that bundle. `decoded`
    /// is the batch `batch` encodes: consumers in this process take it instead of decoding (`DecodedBatches`).
    public func publish(_ batch: [UInt8], decoded: Fleetwatch_V1_RawBatch? = nil) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            waiting.append(Waiting(batch: batch, decoded: decoded, done: done))
            startPublishing()
        }
    }

    /// Starts a bundle of what waits, while fewer than `maxInFlight` are being published.
    private func startPublishing() {
        while inFlight < limits.maxInFlight, !waiting.isEmpty {
            let (message, callers) = takeBundle()
            inFlight += 1
            Task { await self.publish(message, for: callers) }
        }
    }

    /// The oldest waiting batches that fit in one bundle, as its message, and their callers.
    private func takeBundle() -> (OutgoingMessage, [CheckedContinuation<Void, any Error>]) {
        var body = BundleBody()
        for entry in waiting {
            guard body.canTake(entry.batch, within: limits) else { break }
            body.append(entry.batch)
        }
        let taken = waiting.prefix(body.count)
        let decoded = taken.compactMap(\.decoded)
        var message = OutgoingMessage(exchange: exchange, routingKey: routingKey, body: body.bytes, type: type)
        if type == MessageType.rawBundle, decoded.count == taken.count { message.decoded = .raw(decoded) }
        let callers = taken.map(\.done)
        waiting.removeFirst(body.count)
        return (message, callers)
    }

    private func publish(_ message: OutgoingMessage, for callers: [CheckedContinuation<Void, any Error>]) async {
        do {
            try await bus.publish([message])
            for caller in callers { caller.resume() }
        } catch {
            for caller in callers { caller.resume(throwing: error) }
        }
        inFlight -= 1
        startPublishing()
    }
}
