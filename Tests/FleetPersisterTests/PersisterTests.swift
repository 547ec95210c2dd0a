import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import Testing

@testable import FleetPersister

@Suite struct PersisterTests {
    let fast = PersisterConfiguration(
        backoff: Backoff(base: .milliseconds(1), cap: .milliseconds(4)), retentionInterval: nil)

    @Test func goodMessagesArePersistedInOneCallThenAcked() async throws {
        let round = try (1...3).map { try Deliveries.of(Deliveries.batch(sequence: UInt64($0)), tag: UInt64($0)) }
        let consumer = FakeConsumer(rounds: [round])
        let store = FakeStore()
        await Persister(consumer: consumer, store: store, configuration: fast).run()

        #expect(store.state.withLock { $0.persisted.map { $0.map(\.sequence) } } == [[1, 2, 3]])
        #expect(consumer.state.withLock { $0.acked } == [1, 2, 3])
        #expect(consumer.state.withLock { $0.closed })
    }

    @Test func poisonMessagesAreDeadLetteredWithAPreciseReasonAndTheRestPersisted() async throws {
        var nan = Deliveries.batch(sequence: 2)
        nan.samples[0].value = .nan
        var anonymous = Deliveries.batch(sequence: 3)
        anonymous.machine.machineID = ""
        let round = [
            try Deliveries.of(Deliveries.batch(sequence: 1), tag: 1),
            try Deliveries.of(nan, tag: 2),
            try Deliveries.of(anonymous, tag: 3),
            Deliveries.raw([0xFF, 0xFF, 0xFF], tag: 4),
            try Deliveries.of(Deliveries.batch(sequence: 5), tag: 5, type: "fleetwatch.v1.RawBatch"),
            try Deliveries.of(Deliveries.batch(sequence: 6), tag: 6, type: nil),
        ]
        let consumer = FakeConsumer(rounds: [round])
        let store = FakeStore()
        let outcome = await Persister(consumer: consumer, store: store, configuration: fast).persistRound(round)

        guard case .settled(let persisted, let deadLettered, _) = outcome else {
            Issue.record("expected a settled round, got \(outcome)")
            return
        }
        #expect(persisted == 2 && deadLettered == 4)
        #expect(consumer.state.withLock { $0.acked } == [1, 6])
        let reasons = Dictionary(uniqueKeysWithValues: consumer.state.withLock { $0.deadLettered })
        #expect(reasons[2]?.contains("sample 0 of machine 'web-1' sequence 2 (cpu.usage_percent): value nan is not a finite number") == true)
        #expect(reasons[3] == "missing machine.machine_id")
        #expect(reasons[4]?.hasPrefix("undecodable fleetwatch.v1.MetricBatch (3 bytes)") == true)
        #expect(reasons[5] == "unexpected message type 'fleetwatch.v1.RawBatch', expected 'fleetwatch.v1.MetricBatch'")
    }

    @Test func storeFailuresRequeueTheRoundBackOffAndRecover() async throws {
        let round = try (1...2).map { try Deliveries.of(Deliveries.batch(sequence: UInt64($0)), tag: UInt64($0)) }
        // The broker hands the requeued round back: model that as the same round offered three times.
        let consumer = FakeConsumer(rounds: [round, round, round])
        let store = FakeStore(failures: 2)
        let started = ContinuousClock.now
        await Persister(consumer: consumer, store: store, configuration: fast).run()

        #expect(consumer.state.withLock { $0.requeued } == [1, 2, 1, 2])
        #expect(consumer.state.withLock { $0.acked } == [1, 2])
        #expect(store.state.withLock { $0.persisted.count } == 1)
        // Two backoffs of at least half their ceiling (1 ms, then 2 ms): no spinning.
        #expect(ContinuousClock.now - started >= .microseconds(1500))
    }

    @Test func cancellationFinishesTheRoundInFlightThenClosesTheConsumer() async throws {
        let round = try (1...2).map { try Deliveries.of(Deliveries.batch(sequence: UInt64($0)), tag: UInt64($0)) }
        let consumer = FakeConsumer(rounds: [round], waitWhenEmpty: true)
        let store = FakeStore(delay: .milliseconds(300))
        let persister = Persister(consumer: consumer, store: store, configuration: fast)
        let task = Task { await persister.run() }
        try await Task.sleep(for: .milliseconds(50))  // the round is now inside persist
        task.cancel()
        await task.value

        #expect(store.state.withLock { $0.persisted.count } == 1)
        #expect(consumer.state.withLock { $0.acked } == [1, 2])
        #expect(consumer.state.withLock { $0.requeued }.isEmpty)
        #expect(consumer.state.withLock { $0.closed })
    }

    @Test func retentionRunsPeriodicallyUntilCancelled() async throws {
        let consumer = FakeConsumer(rounds: [], waitWhenEmpty: true)
        let store = FakeStore()
        var configuration = fast
        configuration.retentionInterval = .milliseconds(20)
        let task = Task { await Persister(consumer: consumer, store: store, configuration: configuration).run() }
        try await Task.sleep(for: .milliseconds(150))
        task.cancel()
        await task.value
        #expect(store.state.withLock { $0.retentionRuns } >= 2)
    }
}

@Suite struct MetricBatchDecoderTests {
    @Test func validBatchesPass() {
        #expect(MetricBatchDecoder.validate(Deliveries.batch(sequence: 1)) == nil)
    }

    @Test func rejectsWhatTheStoreCannotHold() {
        var infinite = Deliveries.batch(sequence: 1)
        infinite.samples[0].value = -.infinity
        #expect(MetricBatchDecoder.validate(infinite)?.contains("value -inf is not a finite number") == true)

        var noName = Deliveries.batch(sequence: 1)
        noName.samples[0].name = ""
        #expect(MetricBatchDecoder.validate(noName)?.hasSuffix("empty metric name") == true)

        var nul = Deliveries.batch(sequence: 1)
        nul.samples[0].labels = ["mount": "/a\0b"]
        #expect(MetricBatchDecoder.validate(nul)?.contains("NUL") == true)

        var ancient = Deliveries.batch(sequence: 1)
        ancient.samples[0].timestampMs = -5
        #expect(MetricBatchDecoder.validate(ancient)?.contains("timestamp_ms -5 is outside") == true)

        var noIdentity = Deliveries.batch(sequence: 1)
        noIdentity.clearMachine()
        #expect(MetricBatchDecoder.validate(noIdentity) == "missing machine.machine_id")
    }
}
