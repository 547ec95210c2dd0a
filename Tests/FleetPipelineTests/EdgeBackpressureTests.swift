import FleetBus
import FleetCore
import FleetIngest
import FleetProto
import GRPCCore
import GRPCInProcessTransport
import Logging
import Synchronization
import Testing

/// The hub's edge over a bounded in-process bus: a full fleet.normalize delays the ack instead of growing the
/// queue, the edge never acks what the bus did not take, and a queue that stays full ends the stream with
/// UNAVAILABLE, so the collector keeps the batch and resends it.
@Suite(.timeLimit(.minutes(1))) struct EdgeBackpressureTests {
    @Test func aFullQueueDelaysTheAckUntilAConsumerMakesRoom() async throws {
        let bus = InProcessBus(defaultMaxLength: 2, publishWait: .seconds(30))
        try await bus.declare(.normalize)
        try await withEdge(bus) { edge in
            let stream = EdgeStream(edge)
            stream.send(rawBatch(1))
            stream.send(rawBatch(2))
            try await eventually { stream.acks == [1, 2] }
            stream.send(rawBatch(3))
            try await Task.sleep(for: .milliseconds(200))
            #expect(stream.acks == [1, 2])
            #expect(bus.depth(of: FleetQueue.normalize)! == (2, 0))

            let normalizer = try await bus.consume(queue: FleetQueue.normalize, prefetch: 1)
            let first = try #require(try await normalizer.next())
            try await eventually { stream.acks == [1, 2, 3] }
            #expect(bus.depth(of: FleetQueue.normalize)! == (2, 1))
            try await normalizer.ack([first])
            stream.finish()
            try await stream.result.get()
        }
        await bus.shutdown()
    }

    @Test func aQueueThatStaysFullEndsTheStreamUnavailableWithoutAnAck() async throws {
        let bus = InProcessBus(defaultMaxLength: 2, publishWait: .milliseconds(200))
        try await bus.declare(.normalize)
        try await withEdge(bus) { edge in
            let stream = EdgeStream(edge)
            for sequence: UInt64 in 1...3 { stream.send(rawBatch(sequence)) }
            let error = try #require(await stream.result.failure as? RPCError)
            #expect(error.code == .unavailable)
            #expect(stream.acks == [1, 2])
            #expect(bus.depth(of: FleetQueue.normalize)! == (2, 0))

            // The collector resends batch 3 on a new stream once the pipeline took something.
            let normalizer = try await bus.consume(queue: FleetQueue.normalize, prefetch: 10)
            let taken = try await normalizer.nextBatch(max: 2, window: .zero)
            let retry = EdgeStream(edge)
            retry.send(rawBatch(3))
            try await eventually { retry.acks == [3] }
            retry.finish()
            try await retry.result.get()
            try await normalizer.ack(taken)
            let resent = try #require(try await normalizer.next())
            #expect(try DeliveryBatches.raw(resent).map(\.sequence) == [3])
        }
        await bus.shutdown()
    }
}

let testToken = "test-token"
/// A fixed clock for the edge and the normalizer; batches carry the same time, so they validate.
let testNowMs: Int64 = 1_780_000_000_000

func rawBatch(_ sequence: UInt64, machine: String = "m1") -> Fleetwatch_V1_RawBatch {
    var batch = Fleetwatch_V1_RawBatch()
    batch.machineID = machine
    batch.sequence = sequence
    batch.source = ProcReading.source
    batch.timestampMs = testNowMs
    return batch
}

/// Runs an edge (the real `IngestService`) on `bus` over an in-process gRPC transport.
func withEdge(
    _ bus: InProcessBus, limits: BatchLimits = .standard,
    _ body: (Fleetwatch_V1_Ingest.Client<InProcessTransport.Client>) async throws -> Void
) async throws {
    let transport = InProcessTransport()
    let ingest = IngestService(
        publisher: BundlePublisher(bus: bus), authenticator: TokenAuthenticator(tokens: [testToken]), limits: limits,
        logger: Logger(label: "test.edge"), now: { testNowMs })
    // Both shut down gracefully when their closures return.
    try await withGRPCServer(transport: transport.server, services: [ingest]) { _ in
        try await withGRPCClient(transport: transport.client) { client in
            try await body(Fleetwatch_V1_Ingest.Client(wrapping: client))
        }
    }
}

/// One collector's Publish stream: batches go up as they are sent, acks are recorded as they come down.
final class EdgeStream: Sendable {
    private final class AckLog: Sendable {
        let sequences = Mutex<[UInt64]>([])
        let all = Mutex<[Fleetwatch_V1_Ack]>([])
    }

    private let outgoing: AsyncStream<Fleetwatch_V1_RawBatch>.Continuation
    private let received: AckLog
    private let task: Task<Void, any Error>

    init(_ edge: Fleetwatch_V1_Ingest.Client<InProcessTransport.Client>, token: String = testToken) {
        let (batches, outgoing) = AsyncStream.makeStream(of: Fleetwatch_V1_RawBatch.self)
        self.outgoing = outgoing
        let received = AckLog()
        self.received = received
        task = Task {
            try await edge.publish(
                metadata: ["authorization": "Bearer \(token)"],
                requestProducer: { writer in
                    for await batch in batches { try await writer.write(batch) }
                },
                onResponse: { response in
                    for try await message in response.messages {
                        if case .ack(let ack) = message.kind {
                            received.all.withLock { $0.append(ack) }
                            received.sequences.withLock { $0.append(ack.sequence) }
                        }
                    }
                })
        }
    }

    var acks: [UInt64] { received.sequences.withLock { $0 } }
    /// The acks as the edge sent them (with their refused-series counts).
    var ackMessages: [Fleetwatch_V1_Ack] { received.all.withLock { $0 } }

    func send(_ batch: Fleetwatch_V1_RawBatch) { outgoing.yield(batch) }

    /// Ends the request stream (the edge then ends the call).
    func finish() { outgoing.finish() }

    /// How the call ended.
    var result: Result<Void, any Error> {
        get async { await task.result }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// Polls `condition` until it holds, failing after `timeout`.
func eventually(
    timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(timeout)", sourceLocation: sourceLocation)
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
