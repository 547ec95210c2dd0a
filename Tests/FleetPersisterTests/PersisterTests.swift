import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import Synchronization
import Testing

@testable import FleetPersister

/// Every wait below is on an event the fakes signal (`Watched.wait(until:)`), never on elapsed time;
/// the time limit only turns a regression into a failure instead of a hang.
@Suite(.timeLimit(.minutes(1))) struct PersisterTests {
    /// No waiting between retries: the tests exercise the retry logic, not the clock.
    let fast = PersisterConfiguration(backoff: Backoff(base: .zero, cap: .zero), retentionInterval: nil)

    static func round(_ sequences: ClosedRange<UInt64>) throws -> [Delivery] {
        try sequences.map { try Deliveries.of(Deliveries.batch(sequence: $0), tag: $0) }
    }

    @Test func goodMessagesArePersistedInOneCallThenAcked() async throws {
        let round = try Self.round(1...3)
        let consumer = FakeConsumer(rounds: [round])
        let store = FakeStore()
        await Persister(consumer: consumer, store: store, configuration: fast).run()

        #expect(store.state.withLock { $0.persisted.map { $0.map(\.sequence) } } == [[1, 2, 3]])
        #expect(consumer.state.withLock { $0.acked } == [1, 2, 3])
        #expect(consumer.state.withLock { $0.closed })
    }

    @Test func poisonMessagesAreDeadLetteredWithAPreciseReasonAndTheRestPersisted() async throws {
        var anonymous = Deliveries.batch(sequence: 3)
        anonymous.machine.machineID = ""
        let round = [
            try Deliveries.of(Deliveries.batch(sequence: 1), tag: 1),
            try Deliveries.of(anonymous, tag: 3),
            Deliveries.raw([0xFF, 0xFF, 0xFF], tag: 4),
            try Deliveries.of(Deliveries.batch(sequence: 5), tag: 5, type: "fleetwatch.v1.RawBatch"),
            try Deliveries.of(Deliveries.batch(sequence: 6), tag: 6, type: nil),
        ]
        let consumer = FakeConsumer(rounds: [round])
        let store = FakeStore()
        let outcome = await Persister(consumer: consumer, store: store, configuration: fast).persistRound(round)

        guard case .settled(let persisted, let deadLettered, _, let storeFailures) = outcome else {
            Issue.record("expected a settled round, got \(outcome)")
            return
        }
        #expect(persisted == 2 && deadLettered == 3 && storeFailures == 0)
        #expect(consumer.state.withLock { $0.acked } == [1, 6])
        #expect(consumer.state.withLock { $0.requeued }.isEmpty)
        let reasons = Dictionary(uniqueKeysWithValues: consumer.state.withLock { $0.deadLettered })
        #expect(reasons[3] == "missing machine.machine_id")
        #expect(reasons[4]?.hasPrefix("not a decodable fleetwatch.v1.MetricBatch (3 bytes)") == true)
        #expect(
            reasons[5]
                == "expected fleetwatch.v1.MetricBundle or fleetwatch.v1.MetricBatch, got 'fleetwatch.v1.RawBatch'")
    }

    /// A bundle carries many machines' batches: a bad one goes to the DLQ on its own, as a replayable
    /// MetricBatch with the reason, and the bundle's other batches are persisted and the bundle acked.
    @Test func aBadBatchOfABundleIsDeadLetteredAloneAndTheRestPersisted() async throws {
        var anonymous = Deliveries.batch(sequence: 2)
        anonymous.machine.machineID = ""
        var bundle = BundleBody()
        for batch in [Deliveries.batch(sequence: 1), anonymous, Deliveries.batch(sequence: 3)] {
            bundle.append(try batch.serializedBytes())
        }
        let delivery = Deliveries.raw(bundle.bytes, tag: 7, type: MessageType.metricBundle)
        let consumer = FakeConsumer(rounds: [[delivery]])
        let store = FakeStore()
        let outcome = await Persister(consumer: consumer, store: store, configuration: fast).persistRound([delivery])

        guard case .settled(let persisted, let deadLettered, _, _) = outcome else {
            Issue.record("expected a settled round, got \(outcome)")
            return
        }
        #expect(persisted == 1 && deadLettered == 1)
        #expect(consumer.state.withLock { $0.acked } == [7])
        #expect(consumer.state.withLock { $0.deadLettered }.isEmpty, "the bundle itself is not dead-lettered")
        let parts = consumer.state.withLock { $0.deadLetteredParts }
        #expect(parts.count == 1 && parts.first?.0 == 7 && parts.first?.2 == "missing machine.machine_id")
        let part = try Fleetwatch_V1_MetricBatch(serializedBytes: parts.first?.1 ?? [])
        #expect(part.sequence == 2)
        #expect(store.state.withLock { $0.persisted }.flatMap { $0 }.map(\.sequence) == [1, 3])
    }

    /// A bundle whose every batch went to the DLQ on its own is still acked, never left unsettled.
    @Test func aBundleOfOnlyBadBatchesIsAcked() async throws {
        var anonymous = Deliveries.batch(sequence: 2)
        anonymous.machine.machineID = ""
        let bundle = BundleBody([try anonymous.serializedBytes(), try anonymous.serializedBytes()])
        let delivery = Deliveries.raw(bundle.bytes, tag: 9, type: MessageType.metricBundle)
        let consumer = FakeConsumer(rounds: [[delivery]])
        _ = await Persister(consumer: consumer, store: FakeStore(), configuration: fast).persistRound([delivery])
        #expect(consumer.state.withLock { $0.acked } == [9])
        #expect(consumer.state.withLock { $0.deadLetteredParts }.count == 2)
    }

    /// Issue 12, defect 1: a batch with one NaN, Inf or out-of-range value (published straight on fleet.metrics)
    /// went whole to the DLQ, and replay refused it again. Now the bad values are dropped and the rest persisted.
    @Test func unusableValuesAreDroppedAndTheRestOfTheBatchPersisted() async throws {
        var mixed = Deliveries.batch(sequence: 2, value: 42)
        let bad: [(String, Double)] = [
            ("load.1m", .infinity), ("load.5m", -.infinity), ("load.15m", .nan), ("mem.used_bytes", 1e308),
        ]
        for (name, value) in bad {
            mixed.samples.append(.with {
                $0.name = name
                $0.value = value
            })
        }
        mixed.processes = .with {
            $0.timestampMs = mixed.timestampMs
            $0.byCpu = [.with { $0.pid = 1; $0.cpuPercent = .infinity }, .with { $0.pid = 2; $0.cpuPercent = 3 }]
        }
        let round = [try Deliveries.of(Deliveries.batch(sequence: 1), tag: 1), try Deliveries.of(mixed, tag: 2)]
        let consumer = FakeConsumer(rounds: [round])
        let store = FakeStore()
        let outcome = await Persister(consumer: consumer, store: store, configuration: fast).persistRound(round)

        guard case .settled(let persisted, let deadLettered, _, _) = outcome else {
            Issue.record("expected a settled round, got \(outcome)")
            return
        }
        #expect(persisted == 2 && deadLettered == 0)
        #expect(consumer.state.withLock { $0.acked } == [1, 2])
        #expect(consumer.state.withLock { $0.deadLettered }.isEmpty)
        let stored = try #require(store.state.withLock { $0.persisted.first?.last })
        #expect(stored.sequence == 2)
        #expect(stored.samples.map(\.name) == [MetricName.cpuUsagePercent])
        #expect(stored.samples.map(\.value) == [42])
        #expect(stored.processes.byCpu.map(\.pid) == [2])
    }

    @Test(arguments: [1, 3, 12])
    func storeFailuresHoldTheRoundAndRetryItInPlaceUntilItCommits(failures: Int) async throws {
        let round = try Self.round(1...2)
        let consumer = FakeConsumer(rounds: [round])
        let store = FakeStore(failures: failures)
        await Persister(consumer: consumer, store: store, configuration: fast).run()

        // Acked exactly once, never requeued (requeues count toward the delivery limit), never dead-lettered.
        #expect(consumer.state.withLock { $0.acked } == [1, 2])
        #expect(consumer.state.withLock { $0.requeued }.isEmpty)
        #expect(consumer.state.withLock { $0.deadLettered }.isEmpty)
        // The same batches, failures + 1 times, the last one committed.
        let calls = store.state.withLock { $0.calls.map { $0.map(\.sequence) } }
        #expect(calls == Array(repeating: [1, 2], count: failures + 1))
        #expect(store.state.withLock { $0.persisted.map { $0.map(\.sequence) } } == [[1, 2]])
        #expect(consumer.state.withLock { $0.closed })
    }

    @Test func persistRoundReportsTheFailuresItRetriedThrough() async throws {
        let round = try Self.round(1...2)
        let consumer = FakeConsumer(rounds: [])
        let store = FakeStore(failures: 2)
        let outcome = await Persister(consumer: consumer, store: store, configuration: fast).persistRound(round)

        #expect(
            outcome
                == .settled(
                    persisted: 2, deadLettered: 0,
                    result: PersistResult(samplesInserted: 2, samplesDuplicate: 0, batchesNew: 2, batchesDuplicate: 0),
                    storeFailures: 2))
        #expect(consumer.state.withLock { $0.acked } == [1, 2])
        #expect(consumer.state.withLock { $0.requeued }.isEmpty)
    }

    @Test func theHeldRoundWaitsAGrowingJitteredBackoffBetweenStoreCalls() async throws {
        let round = try Self.round(1...2)
        let store = FakeStore(failures: 3)
        var configuration = fast
        configuration.backoff = Backoff(base: .milliseconds(100), cap: .milliseconds(300))
        let slept = Mutex<[Duration]>([])
        let persister = Persister(
            consumer: FakeConsumer(rounds: []), store: store, configuration: configuration, random: { 0 },
            sleep: { delay in slept.withLock { $0.append(delay) } })
        let outcome = await persister.persistRound(round)

        guard case .settled(let persisted, _, _, let storeFailures) = outcome else {
            Issue.record("expected a settled round, got \(outcome)")
            return
        }
        #expect(persisted == 2 && storeFailures == 3)
        // Half the ceiling at the lowest jitter: 100 ms, 200 ms, then the 300 ms cap.
        #expect(slept.withLock { $0 } == [.milliseconds(50), .milliseconds(100), .milliseconds(150)])
    }

    @Test func nothingNewIsFetchedWhileARoundIsHeld() async throws {
        let first = try Self.round(1...2)
        let second = try Self.round(3...3)
        let consumer = FakeConsumer(rounds: [first, second])
        let store = FakeStore(failures: .max)
        // A tiny backoff: the outage lasts many retries without spinning the CPU.
        var configuration = fast
        configuration.backoff = Backoff(base: .microseconds(100), cap: .microseconds(100))
        let task = Task { await Persister(consumer: consumer, store: store, configuration: configuration).run() }

        await store.state.wait { $0.failures >= 10 }
        #expect(consumer.state.withLock { ($0.fetches, $0.rounds.count) } == (1, 1))
        // The database comes back: the held round commits, then the next one is taken.
        store.state.withLock { $0.failuresLeft = 0 }
        await task.value

        let calls = store.state.withLock { $0.calls.map { $0.map(\.sequence) } }
        #expect(calls.dropLast().allSatisfy { $0 == [1, 2] } && calls.count >= 12)
        #expect(calls.last == [3])
        #expect(store.state.withLock { $0.persisted.map { $0.map(\.sequence) } } == [[1, 2], [3]])
        #expect(consumer.state.withLock { $0.acked } == [1, 2, 3])
        #expect(consumer.state.withLock { $0.requeued }.isEmpty)
        #expect(consumer.state.withLock { $0.deadLettered }.isEmpty)
    }

    @Test func cancellationWhileTheStoreKeepsFailingRequeuesTheHeldRoundAndReturnsPromptly() async throws {
        let first = try Self.round(1...2)
        let second = try Self.round(3...3)
        let consumer = FakeConsumer(rounds: [first, second], waitWhenEmpty: true)
        let store = FakeStore(failures: .max)
        // A long backoff: run() only returns promptly if cancellation cuts the wait short.
        var configuration = fast
        configuration.backoff = Backoff(base: .seconds(60), cap: .seconds(60))
        let task = Task { await Persister(consumer: consumer, store: store, configuration: configuration).run() }

        await store.state.wait { $0.failures >= 1 }
        let cancelled = ContinuousClock.now
        task.cancel()
        await task.value

        #expect(ContinuousClock.now - cancelled < .seconds(10))
        #expect(consumer.state.withLock { $0.requeued } == [1, 2])
        #expect(consumer.state.withLock { $0.acked }.isEmpty)
        #expect(consumer.state.withLock { $0.deadLettered }.isEmpty)
        #expect(consumer.state.withLock { $0.closed })
        // The second round was never taken; the held one was not retried after the cancellation.
        #expect(consumer.state.withLock { $0.fetches } == 1)
        #expect(store.state.withLock { $0.calls.count } == 1)
    }

    @Test func cancellationFinishesTheStoreCallInFlightThenClosesTheConsumer() async throws {
        let round = try Self.round(1...2)
        let consumer = FakeConsumer(rounds: [round], waitWhenEmpty: true)
        let store = FakeStore(gated: true)
        let task = Task { await Persister(consumer: consumer, store: store, configuration: fast).run() }

        await store.state.wait { $0.inFlight == 1 }  // the round is now inside persist
        task.cancel()
        store.openGate()
        await task.value

        // The fake store fails calls made from a cancelled task: this commit proves the call was shielded.
        #expect(store.state.withLock { $0.persisted.count } == 1)
        #expect(consumer.state.withLock { $0.acked } == [1, 2])
        #expect(consumer.state.withLock { $0.requeued }.isEmpty)
        #expect(consumer.state.withLock { $0.closed })
    }

    @Test func cancellationDuringAFailingStoreCallRequeuesWithoutRetrying() async throws {
        let round = try Self.round(1...2)
        let consumer = FakeConsumer(rounds: [round], waitWhenEmpty: true)
        let store = FakeStore(failures: .max, gated: true)
        let task = Task { await Persister(consumer: consumer, store: store, configuration: fast).run() }

        await store.state.wait { $0.inFlight == 1 }
        task.cancel()
        store.openGate()
        await task.value

        #expect(store.state.withLock { ($0.calls.count, $0.failures) } == (1, 1))
        #expect(consumer.state.withLock { $0.requeued } == [1, 2])
        #expect(consumer.state.withLock { $0.acked }.isEmpty)
        #expect(consumer.state.withLock { $0.closed })
    }

    @Test func retentionRunsPeriodicallyUntilCancelled() async throws {
        let consumer = FakeConsumer(rounds: [], waitWhenEmpty: true)
        let store = FakeStore()
        var configuration = fast
        configuration.retentionInterval = .milliseconds(20)
        let task = Task { await Persister(consumer: consumer, store: store, configuration: configuration).run() }
        // However loaded the machine, the test waits for the runs themselves rather than for a duration.
        await store.state.wait { $0.retentionRuns >= 2 }
        task.cancel()
        await task.value
        #expect(store.state.withLock { $0.retentionRuns } >= 2)
        #expect(consumer.state.withLock { $0.closed })
    }
}

@Suite struct MetricBatchDecoderTests {
    @Test func validBatchesPass() {
        #expect(MetricBatchDecoder.validate(Deliveries.batch(sequence: 1), nowMs: Deliveries.nowMs) == nil)
    }

    @Test func decodingDropsUnusableValuesAndSaysWhich() throws {
        var batch = Deliveries.batch(sequence: 4, value: 7)
        batch.samples.append(.with {
            $0.name = "net.recv_bytes_per_s"
            $0.labels = ["iface": "eth0"]
            $0.value = .infinity
        })
        batch.samples.append(.with {
            $0.name = "disk.read_bytes_per_s"
            $0.value = -1e301
        })
        let decoded = try MetricBatchDecoder.decode(Deliveries.of(batch, tag: 1), nowMs: Deliveries.nowMs).get()
        let accepted = try #require(decoded.accepted.first)
        #expect(decoded.count == 1)
        #expect(accepted.batch.samples.map(\.value) == [7])
        #expect(accepted.dropped.map(\.series) == ["net.recv_bytes_per_s{iface=eth0}", "disk.read_bytes_per_s"])
        #expect(MetricBatchDecoder.validate(accepted.batch, nowMs: Deliveries.nowMs) == nil)
    }

    @Test func rejectsWhatTheStoreCannotHold() {
        var infinite = Deliveries.batch(sequence: 1)
        infinite.samples[0].value = -.infinity
        #expect(MetricBatchDecoder.validate(infinite, nowMs: Deliveries.nowMs)?.contains("value -inf is not a finite number") == true)

        var noName = Deliveries.batch(sequence: 1)
        noName.samples[0].name = ""
        #expect(MetricBatchDecoder.validate(noName, nowMs: Deliveries.nowMs)?.hasSuffix("empty metric name") == true)

        var nul = Deliveries.batch(sequence: 1)
        nul.samples[0].labels = ["mount": "/a\0b"]
        #expect(MetricBatchDecoder.validate(nul, nowMs: Deliveries.nowMs)?.contains("NUL") == true)

        var ancient = Deliveries.batch(sequence: 1)
        ancient.samples[0].timestampMs = -5
        #expect(MetricBatchDecoder.validate(ancient, nowMs: Deliveries.nowMs)?.contains("samples[0].timestamp_ms: -5 is older than 30 days") == true)

        var noIdentity = Deliveries.batch(sequence: 1)
        noIdentity.clearMachine()
        #expect(MetricBatchDecoder.validate(noIdentity, nowMs: Deliveries.nowMs) == "missing machine.machine_id")
    }
}
