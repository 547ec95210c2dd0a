import FleetCore
import FleetProto
import GRPCCore
import Synchronization
import Testing

@testable import FleetCollector

@Suite("IngestUploader against an in-process edge", .timeLimit(.minutes(1)))
struct IngestUploaderTests {
    static let fastRetry = IngestUploader.Options(
        maxInFlight: 256, backoff: Backoff(base: .milliseconds(20), cap: .milliseconds(100)),
        breaker: CircuitBreaker(failureThreshold: 100, openDuration: .milliseconds(100)), random: { 0.5 })

    static func filledBuffer(_ count: Int) throws -> BatchBuffer {
        let buffer = try BatchBuffer(directory: Fixture.temporaryDirectory(), durable: false)
        for marker in 1...count { try buffer.append(BatchBufferTests.batch(Int64(marker))) }
        return buffer
    }

    static func run(
        _ uploader: IngestUploader, until condition: @escaping @Sendable () -> Bool
    ) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await uploader.run() }
            let met = await eventually(condition)
            group.cancelAll()
            return met
        }
    }

    @Test func sendsInOrderWithTokenAndForgetsAckedBatches() async throws {
        let edge = FakeEdge()
        try await withFakeEdge(edge) { port in
            let buffer = try Self.filledBuffer(5)
            let counters = CollectorCounters()
            let uploader = IngestUploader(
                endpoint: IngestEndpoint(host: "127.0.0.1", port: port), token: "s3cret", buffer: buffer,
                control: CollectorControl(interval: .seconds(5)), counters: counters, options: Self.fastRetry)
            let drained = await Self.run(uploader) { buffer.depth == 0 }
            #expect(drained)
            #expect(edge.state.withLock { $0.received } == [1, 2, 3, 4, 5])
            #expect(edge.state.withLock { $0.authorizations } == ["Bearer s3cret"])
            #expect(counters.snapshot().batchesAcked == 5)
        }
    }

    @Test func batchesAppendedLaterAreSentOnTheOpenStream() async throws {
        let edge = FakeEdge()
        try await withFakeEdge(edge) { port in
            let buffer = try Self.filledBuffer(1)
            let uploader = IngestUploader(
                endpoint: IngestEndpoint(host: "127.0.0.1", port: port), token: nil, buffer: buffer,
                control: CollectorControl(interval: .seconds(5)), options: Self.fastRetry)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await uploader.run() }
                #expect(await eventually { buffer.depth == 0 })
                try buffer.append(BatchBufferTests.batch(2))
                uploader.batchAppended()
                #expect(await eventually { buffer.depth == 0 && edge.state.withLock { $0.received.count } == 2 })
                group.cancelAll()
            }
            #expect(edge.state.withLock { $0.received } == [1, 2])
            #expect(edge.state.withLock { $0.streams } == 1)
        }
    }

    @Test func reconnectsAndResendsUnackedInOrder() async throws {
        let edge = FakeEdge()
        edge.state.withLock {
            $0.ack = false
            $0.failAfter = 3
        }
        try await withFakeEdge(edge) { port in
            let buffer = try Self.filledBuffer(4)
            let counters = CollectorCounters()
            let uploader = IngestUploader(
                endpoint: IngestEndpoint(host: "127.0.0.1", port: port), token: nil, buffer: buffer,
                control: CollectorControl(interval: .seconds(5)), counters: counters, options: Self.fastRetry)
            let resent = await Self.run(uploader) {
                edge.state.withLock { $0.streams >= 2 && $0.received.count >= 7 }
            }
            #expect(resent)
            let received = edge.state.withLock { $0.received }
            // First stream: 1, 2, 3 then UNAVAILABLE; second stream starts again from the oldest unacked.
            #expect(Array(received.prefix(7)) == [1, 2, 3, 1, 2, 3, 4])
            #expect(buffer.depth == 4)
            #expect(counters.snapshot().reconnects >= 1)
        }
    }

    @Test func anInvalidBatchIsDroppedAndTheRestGetThrough() async throws {
        let edge = FakeEdge()
        edge.state.withLock { $0.reject = [2] }
        try await withFakeEdge(edge) { port in
            let buffer = try Self.filledBuffer(3)
            let uploader = IngestUploader(
                endpoint: IngestEndpoint(host: "127.0.0.1", port: port), token: nil, buffer: buffer,
                control: CollectorControl(interval: .seconds(5)), options: Self.fastRetry)
            let drained = await Self.run(uploader) { buffer.depth == 0 }
            #expect(drained)
            #expect(buffer.rejectedBatches == 1)
            #expect(edge.state.withLock { $0.received }.last == 3)
            #expect(!edge.state.withLock { $0.received }.dropFirst(2).contains(2))
        }
    }

    @Test func unauthenticatedKeepsRetrying() async throws {
        let edge = FakeEdge()
        edge.state.withLock { $0.unauthenticatedStreams = 2 }
        try await withFakeEdge(edge) { port in
            let buffer = try Self.filledBuffer(2)
            let uploader = IngestUploader(
                endpoint: IngestEndpoint(host: "127.0.0.1", port: port), token: "wrong-then-fixed", buffer: buffer,
                control: CollectorControl(interval: .seconds(5)), options: Self.fastRetry)
            let drained = await Self.run(uploader) { buffer.depth == 0 }
            #expect(drained)
            #expect(edge.state.withLock { $0.streams } == 3)
        }
    }

    @Test func commandsChangeIntervalAndRequestProcesses() async throws {
        let edge = FakeEdge()
        var setInterval = Fleetwatch_V1_Command()
        setInterval.setInterval.seconds = 60
        var tooLong = Fleetwatch_V1_Command()
        tooLong.setInterval.seconds = 7200
        var snapshot = Fleetwatch_V1_Command()
        snapshot.requestProcessSnapshot = Fleetwatch_V1_RequestProcessSnapshot()
        edge.state.withLock { $0.commandsOnOpen = [setInterval, tooLong, snapshot] }
        try await withFakeEdge(edge) { port in
            let control = CollectorControl(interval: .seconds(5))
            let uploader = IngestUploader(
                endpoint: IngestEndpoint(host: "127.0.0.1", port: port), token: nil, buffer: try Self.filledBuffer(1),
                control: control, options: Self.fastRetry)
            let flag = Mutex(false)
            let applied = await Self.run(uploader) {
                if control.interval == .seconds(60) {
                    flag.withLock { $0 = $0 || control.takeProcessSnapshotRequest() }
                }
                return flag.withLock { $0 }
            }
            #expect(applied)
            #expect(control.interval == .seconds(60))
        }
    }

    @Test func anUnreachableEdgeKeepsBatchesBuffered() async throws {
        let buffer = try Self.filledBuffer(2)
        let counters = CollectorCounters()
        // Port 1 on loopback refuses connections.
        let uploader = IngestUploader(
            endpoint: IngestEndpoint(host: "127.0.0.1", port: 1), token: nil, buffer: buffer,
            control: CollectorControl(interval: .seconds(5)), counters: counters, options: Self.fastRetry)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await uploader.run() }
            try await Task.sleep(for: .milliseconds(500))
            group.cancelAll()
        }
        #expect(buffer.depth == 2)
        #expect(counters.snapshot().batchesAcked == 0)
    }
}
