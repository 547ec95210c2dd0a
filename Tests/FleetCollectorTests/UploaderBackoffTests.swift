import FleetCore
import FleetProto
import GRPCCore
import Synchronization
import Testing

@testable import FleetCollector

/// Backoff and breaker follow the batches, not the stream: an edge that accepts the stream and answers
/// UNAVAILABLE (its broker is down) or never acks is backed off from; only an ack resets.
@Suite("IngestUploader backs off by batch outcome", .timeLimit(.minutes(1)))
struct UploaderBackoffTests {
    /// Fixed draws, so the schedule is known: waits of 25 ms, 50 ms, then the breaker opens (3 failures) for
    /// 500 ms plus the jittered backoff.
    static func outageOptions(ackTimeout: Duration = .seconds(60)) -> IngestUploader.Options {
        IngestUploader.Options(
            maxInFlight: 1, backoff: Backoff(base: .milliseconds(50), cap: .milliseconds(400)),
            breaker: CircuitBreaker(failureThreshold: 3, openDuration: .milliseconds(500)), random: { 0.5 },
            ackTimeout: ackTimeout)
    }

    static func uploader(port: Int, buffer: BatchBuffer, options: IngestUploader.Options = outageOptions()) -> IngestUploader {
        IngestUploader(
            endpoint: IngestEndpoint(host: "127.0.0.1", port: port), token: nil, buffer: buffer,
            control: CollectorControl(interval: .seconds(5)), options: options)
    }

    @Test func anEdgeAnsweringUnavailableIsBackedOffFromDespiteAcceptingTheStream() async throws {
        let edge = FakeEdge()
        edge.state.withLock { $0.unavailable = true }
        try await withFakeEdge(edge) { port in
            let buffer = try IngestUploaderTests.filledBuffer(1)
            let uploader = Self.uploader(port: port, buffer: buffer)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await uploader.run() }
                #expect(await eventually { edge.state.withLock { $0.streams } >= 4 })
                group.cancelAll()
            }
            // Every stream was accepted and its batch answered UNAVAILABLE. The waits grow (25 ms, 50 ms), and after
            // the third failure the breaker keeps the collector away for its open period. Resetting on stream setup
            // instead retried every ~25 ms (dozens of streams a second) and never opened the breaker.
            let openings = edge.state.withLock { $0.streamOpenings }
            let gaps = zip(openings.dropFirst(), openings).map { $0 - $1 }
            try #require(gaps.count >= 3, "only \(openings.count) streams were opened")
            #expect(gaps[0] >= .milliseconds(25))
            #expect(gaps[1] >= .milliseconds(50))
            #expect(gaps[2] >= .milliseconds(600), "the breaker did not hold the collector back: \(gaps)")
            let retry = uploader.deliveryRetry
            #expect(retry.consecutiveFailures >= 3)
            #expect(retry.breaker.state != .closed(failures: 0))
            #expect(buffer.depth == 1)
        }
    }

    @Test func theFirstAckAfterTheOutageResetsBackoffAndBreaker() async throws {
        let edge = FakeEdge()
        edge.state.withLock { $0.unavailable = true }
        try await withFakeEdge(edge) { port in
            let buffer = try IngestUploaderTests.filledBuffer(2)
            let uploader = Self.uploader(port: port, buffer: buffer)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await uploader.run() }
                #expect(await eventually { uploader.deliveryRetry.breaker.isOpen })
                edge.state.withLock { $0.unavailable = false }
                #expect(await eventually { buffer.depth == 0 })
                let retry = uploader.deliveryRetry
                #expect(retry.consecutiveFailures == 0)
                #expect(retry.breaker.state == .closed(failures: 0))
                group.cancelAll()
            }
            // Resent in order after the outage.
            #expect(Array(edge.state.withLock { $0.received }.suffix(2)) == [1, 2])
        }
    }

    @Test func aStreamWhoseBatchGetsNoAckFailsAfterTheAckTimeout() async throws {
        let edge = FakeEdge()
        edge.state.withLock { $0.ack = false }
        let options = Self.outageOptions(ackTimeout: .milliseconds(200))
        try await withFakeEdge(edge) { port in
            let buffer = try IngestUploaderTests.filledBuffer(1)
            let counters = CollectorCounters()
            let uploader = IngestUploader(
                endpoint: IngestEndpoint(host: "127.0.0.1", port: port), token: nil, buffer: buffer,
                control: CollectorControl(interval: .seconds(5)), counters: counters, options: options)
            let retried = await IngestUploaderTests.run(uploader) {
                edge.state.withLock { $0.streams >= 3 }
            }
            // Without the ack timeout the first stream waits forever with batch 1 unacked.
            #expect(retried)
            #expect(uploader.deliveryRetry.consecutiveFailures >= 2)
            #expect(edge.state.withLock { $0.received }.allSatisfy { $0 == 1 })
            #expect(counters.snapshot().reconnects >= 2)
            #expect(buffer.depth == 1)
        }
    }

    @Test func anIdleStreamIsNotTimedOut() async throws {
        let edge = FakeEdge()
        let timeout = Duration.seconds(1)
        let options = Self.outageOptions(ackTimeout: timeout)
        try await withFakeEdge(edge) { port in
            let buffer = try IngestUploaderTests.filledBuffer(1)
            let uploader = Self.uploader(port: port, buffer: buffer, options: options)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await uploader.run() }
                #expect(await eventually { buffer.depth == 0 && uploader.inFlightCount == 0 })
                // On a loaded machine the ack may have come as late as the timeout and the first stream been
                // abandoned for it (then one more, idle, stream opens): wait until the stream count holds still.
                var streams = edge.state.withLock { $0.streams }
                while true {
                    try? await Task.sleep(for: timeout * 2)
                    let now = edge.state.withLock { $0.streams }
                    if now == streams { break }
                    streams = now
                }
                let failures = uploader.deliveryRetry.consecutiveFailures
                // Three ack timeouts with nothing in flight: the stream stays, nothing counts as a failure.
                try? await Task.sleep(for: timeout * 3)
                #expect(edge.state.withLock { $0.streams } == streams)
                #expect(uploader.deliveryRetry.consecutiveFailures == failures)
                group.cancelAll()
            }
        }
    }

    @Test func aBatchRefusedAsTooLargeIsDroppedLikeAnInvalidOne() {
        let tooLarge = RPCError(
            code: .resourceExhausted, message: "batch 9: message is 9961472 bytes, over the edge's limit of 8 MiB")
        #expect(BatchRejection.rejectedSequence(in: tooLarge) == 9)
        let unavailable = RPCError(code: .unavailable, message: "batch 9: broker unavailable")
        #expect(BatchRejection.rejectedSequence(in: unavailable) == nil)
    }
}
