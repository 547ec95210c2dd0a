import FleetCore
import FleetIngest
import FleetProto
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization
import Testing

/// A batch over the edge's 8 MiB limit is answered RESOURCE_EXHAUSTED naming the limit, over real HTTP/2 with the
/// server `fleetwatch ingest` and the hub run (the transport used to reset the stream: `CANCELLED: RST_STREAM`).
@Suite(.timeLimit(.minutes(1))) struct OversizedBatchTests {
    @Test func anOversizedBatchIsRefusedWithResourceExhaustedNamingTheLimit() async throws {
        let server = IngestServer.make(host: "127.0.0.1", port: 0, ingest: AckingEdge())
        try await serving(server) { port in
            // 9.5 MB, as in the report, after a batch that fits.
            let outcome = await publish([rawBatch(1), Self.batch(2, bytes: 9_500_000)], port: port)
            #expect(outcome.acks == [1])
            let error = try #require(outcome.error)
            #expect(error.code == .resourceExhausted)
            #expect(error.message.hasPrefix("batch 2: message is 95"))
            #expect(error.message.hasSuffix("bytes, over the edge's limit of 8388608 bytes (8 MiB)"))
        }
    }

    @Test func aBatchJustUnderTheLimitIsTaken() async throws {
        let server = IngestServer.make(host: "127.0.0.1", port: 0, ingest: AckingEdge())
        try await serving(server) { port in
            let batch = Self.batch(1, bytes: (8 << 20) - 1024)
            let size = try (batch.serializedBytes() as [UInt8]).count
            #expect(size <= 8 << 20 && size > (8 << 20) - 2048)
            let outcome = await publish([batch, rawBatch(2)], port: port)
            #expect(outcome.error == nil)
            #expect(outcome.acks == [1, 2])
        }
    }

    @Test func theLimitIsConfigurableAndNamedAsConfigured() async throws {
        let limit = BatchSizeLimit(maxBatchBytes: 1 << 20)
        #expect(limit.transportBytes == 4 << 20)
        let server = IngestServer.make(host: "127.0.0.1", port: 0, ingest: AckingEdge(), limit: limit)
        try await serving(server) { port in
            let outcome = await publish([Self.batch(3, bytes: 1_500_000)], port: port)
            #expect(outcome.error?.code == .resourceExhausted)
            #expect(outcome.error?.message.hasSuffix("over the edge's limit of 1048576 bytes (1 MiB)") == true)
        }
        #expect(BatchSizeLimit(maxBatchBytes: 1000).refusal(size: 1001, sequence: nil).message
            == "message is 1001 bytes, over the edge's limit of 1000 bytes (1000 bytes)")
    }

    /// Why the check is not left to the transport: over its own limit it resets the stream without a status.
    @Test func theTransportLimitAloneGivesNoStatus() async throws {
        let server = GRPCServer(
            transport: .http2NIOPosix(
                address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext,
                config: .defaults { $0.rpc.maxRequestPayloadSize = 8 << 20 }),
            services: [AckingEdge()])
        try await serving(server) { port in
            let outcome = await publish([Self.batch(1, bytes: 9_500_000)], port: port)
            let error = try #require(outcome.error)
            // grpc-swift sees UNAVAILABLE "Stream unexpectedly closed: received RST_STREAM frame (0x8: cancel)", other
            // clients CANCELLED; either way a collector retried the batch forever instead of dropping it.
            #expect(error.code != .resourceExhausted)
            #expect(error.message.contains("RST_STREAM"), "\(error)")
        }
    }

    /// A valid batch padded to about `bytes` bytes.
    static func batch(_ sequence: UInt64, bytes: Int) -> Fleetwatch_V1_RawBatch {
        var batch = rawBatch(sequence)
        batch.identity.machineID = batch.machineID
        batch.identity.os = String(repeating: "x", count: bytes)
        return batch
    }
}

/// An edge that acks every batch it is given (the size check happens before a batch reaches the service).
struct AckingEdge: Fleetwatch_V1_Ingest.SimpleServiceProtocol {
    func publish(
        request: RPCAsyncSequence<Fleetwatch_V1_RawBatch, any Error>,
        response: RPCWriter<Fleetwatch_V1_PublishResponse>,
        context: ServerContext
    ) async throws {
        for try await batch in request {
            var message = Fleetwatch_V1_PublishResponse()
            message.ack.machineID = batch.machineID
            message.ack.sequence = batch.sequence
            try await response.write(message)
        }
    }
}

/// Runs `body` with `server` listening on an ephemeral loopback port.
func serving(
    _ server: GRPCServer<HTTP2ServerTransport.Posix>, _ body: @Sendable (Int) async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        let port = try #require(try await server.listeningAddress?.ipv4?.port)
        try await body(port)
        server.beginGracefulShutdown()
        group.cancelAll()
    }
}

/// Sends `batches` on one Publish stream over HTTP/2; the acks received and how the call ended.
func publish(_ batches: [Fleetwatch_V1_RawBatch], port: Int) async -> (acks: [UInt64], error: RPCError?) {
    let acks = Mutex<[UInt64]>([])
    do {
        let transport = try HTTP2ClientTransport.Posix.http2NIOPosix(
            target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        try await withGRPCClient(transport: transport) { client in
            try await Fleetwatch_V1_Ingest.Client(wrapping: client).publish(
                requestProducer: { writer in
                    for batch in batches { try await writer.write(batch) }
                },
                onResponse: { response in
                    for try await message in response.messages {
                        if case .ack(let ack) = message.kind { acks.withLock { $0.append(ack.sequence) } }
                    }
                })
        }
        return (acks.withLock { $0 }, nil)
    } catch let error as RPCError {
        return (acks.withLock { $0 }, error)
    } catch {
        return (acks.withLock { $0 }, RPCError(code: .unknown, message: "\(error)"))
    }
}
