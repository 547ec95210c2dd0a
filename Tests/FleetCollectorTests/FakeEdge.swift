import FleetProto
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization
import Testing

/// An in-process ingest edge for uploader tests: records what arrives and answers as scripted.
final class FakeEdge: Fleetwatch_V1_Ingest.SimpleServiceProtocol, Sendable {
    struct State {
        var received: [UInt64] = []
        var authorizations: [String] = []
        var streams = 0
        /// Sequences to refuse with INVALID_ARGUMENT "batch <seq>: …" (once each).
        var reject: Set<UInt64> = []
        /// Fail the first N streams with UNAUTHENTICATED.
        var unauthenticatedStreams = 0
        /// End the stream with UNAVAILABLE after receiving this many batches (once).
        var failAfter: Int?
        var ack = true
        /// Answer every batch with UNAVAILABLE after accepting the stream, as the edge does while its broker is down.
        var unavailable = false
        /// When each stream was opened.
        var streamOpenings: [ContinuousClock.Instant] = []
        var commandsOnOpen: [Fleetwatch_V1_Command] = []
    }

    let state = Mutex(State())

    func publish(
        request: RPCAsyncSequence<Fleetwatch_V1_RawBatch, any Error>,
        response: RPCWriter<Fleetwatch_V1_PublishResponse>,
        context: ServerContext
    ) async throws {
        let (commands, unauthenticated) = state.withLock { state in
            state.streams += 1
            state.streamOpenings.append(.now)
            let refuse = state.unauthenticatedStreams > 0
            if refuse { state.unauthenticatedStreams -= 1 }
            return (state.commandsOnOpen, refuse)
        }
        if unauthenticated { throw RPCError(code: .unauthenticated, message: "bad token") }
        for command in commands {
            var message = Fleetwatch_V1_PublishResponse()
            message.command = command
            try await response.write(message)
        }
        var count = 0
        for try await batch in request {
            count += 1
            let (rejected, failNow, ack) = state.withLock { state -> (Bool, Bool, Bool) in
                state.received.append(batch.sequence)
                let rejected = state.reject.remove(batch.sequence) != nil
                let failNow = state.failAfter == count
                if failNow { state.failAfter = nil }
                return (rejected, failNow || state.unavailable, state.ack)
            }
            if rejected { throw RPCError(code: .invalidArgument, message: "batch \(batch.sequence): readings missing") }
            if failNow { throw RPCError(code: .unavailable, message: "broker unavailable, retry later") }
            if ack {
                var message = Fleetwatch_V1_PublishResponse()
                message.ack.machineID = batch.machineID
                message.ack.sequence = batch.sequence
                try await response.write(message)
            }
        }
    }
}

/// Records the authorization header of every stream.
struct AuthorizationRecorder: ServerInterceptor {
    let edge: FakeEdge

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let values = request.metadata[stringValues: "authorization"].map { $0 }
        edge.state.withLock { $0.authorizations.append(contentsOf: values) }
        return try await next(request, context)
    }
}

/// Runs `body` with a FakeEdge listening on an ephemeral loopback port.
func withFakeEdge(
    _ edge: FakeEdge,
    _ body: @Sendable (Int) async throws -> Void
) async throws {
    let recorder = AuthorizationRecorder(edge: edge)
    let server = GRPCServer(
        transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
        services: [edge], interceptors: [recorder])
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        let port = try #require(try await server.listeningAddress?.ipv4?.port)
        try await body(port)
        server.beginGracefulShutdown()
        group.cancelAll()
    }
}

/// Polls `condition` for up to `seconds` (generous: under the full suite two cores are shared by every test, and
/// a condition that normally holds within a second has taken over ten).
func eventually(seconds: Double = 40, _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
