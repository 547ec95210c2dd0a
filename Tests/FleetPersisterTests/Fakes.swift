import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import Synchronization

/// A consumer that hands out prepared rounds and records how each delivery was settled.
final class FakeConsumer: MessageConsumer {
    struct State: Sendable {
        var rounds: [[Delivery]] = []
        var acked: [UInt64] = []
        var requeued: [UInt64] = []
        var deadLettered: [(UInt64, String)] = []
        /// Batches of a bundle dead-lettered on their own: the delivery's tag, the batch, the reason.
        var deadLetteredParts: [(UInt64, [UInt8], String)] = []
        var closed = false
        /// Rounds handed out by `nextBatch`.
        var fetches = 0
        /// When the prepared rounds ran out: wait (like a quiet queue) or return [] (closed).
        var waitWhenEmpty = false
    }

    let state: Watched<State>

    init(rounds: [[Delivery]], waitWhenEmpty: Bool = false) {
        state = Watched(State(rounds: rounds, waitWhenEmpty: waitWhenEmpty))
    }

    func next() async throws -> Delivery? { try await nextBatch(max: 1, window: .zero).first }

    func nextBatch(max: Int, window: Duration) async throws -> [Delivery] {
        while true {
            let (round, wait) = state.withLock { state -> ([Delivery]?, Bool) in
                if state.closed { return ([], false) }
                if !state.rounds.isEmpty {
                    state.fetches += 1
                    return (state.rounds.removeFirst(), false)
                }
                return (nil, state.waitWhenEmpty)
            }
            if let round { return round }
            guard wait else { return [] }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func ack(_ deliveries: [Delivery]) async throws { state.withLock { $0.acked += deliveries.map(\.tag) } }
    func requeue(_ deliveries: [Delivery]) async throws { state.withLock { $0.requeued += deliveries.map(\.tag) } }
    func deadLetter(_ delivery: Delivery, reason: String) async throws {
        state.withLock { $0.deadLettered.append((delivery.tag, reason)) }
    }
    func deadLetter(part body: [UInt8], type: String, of delivery: Delivery, reason: String) async throws {
        state.withLock { $0.deadLetteredParts.append((delivery.tag, body, reason)) }
    }
    func close() async { state.withLock { $0.closed = true } }
}

/// A store that records every persist call, can fail a number of times (or a run of calls), and can hold
/// a call open until the test releases it. Tests await its state through `state.wait(until:)`.
final class FakeStore: MetricStore {
    struct State: Sendable {
        /// The batches of every persist call, failed ones included, in call order.
        var calls: [[Fleetwatch_V1_MetricBatch]] = []
        /// The batches of the calls that succeeded.
        var persisted: [[Fleetwatch_V1_MetricBatch]] = []
        var failures = 0
        var failuresLeft = 0
        /// Calls currently inside `persist` (entered, not yet returned).
        var inFlight = 0
        var retentionRuns = 0
        /// While true, `persist` waits after being entered until the test opens the gate.
        var gateClosed = false
    }

    let state: Watched<State>

    init(failures: Int = 0, gated: Bool = false) {
        state = Watched(State(failuresLeft: failures, gateClosed: gated))
    }

    struct Down: Error {}

    func migrate() async throws {}

    func openGate() { state.withLock { $0.gateClosed = false } }

    func persist(_ batches: [Fleetwatch_V1_MetricBatch]) async throws -> PersistResult {
        state.withLock {
            $0.calls.append(batches)
            $0.inFlight += 1
        }
        // Not cancellable on purpose: like a database round trip in flight.
        await state.wait { !$0.gateClosed }
        // Like a real client, a cancelled caller sees its statement cancelled: this is what the persister's
        // unstructured store task protects against.
        let cancelled = Task.isCancelled
        return try state.withLock { state in
            state.inFlight -= 1
            if cancelled { throw CancellationError() }
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                state.failures += 1
                throw Down()
            }
            state.persisted.append(batches)
            return PersistResult(
                samplesInserted: batches.reduce(0) { $0 + $1.samples.count }, samplesDuplicate: 0,
                batchesNew: batches.count, batchesDuplicate: 0)
        }
    }

    func rollUp(now: Date) async throws -> RollupReport {
        RollupReport()
    }

    func applyRetention(now: Date) async throws -> RetentionReport {
        state.withLock { $0.retentionRuns += 1 }
        return RetentionReport()
    }

    func latest(machine: String) async throws -> [LatestSample] { [] }
    func history(
        machine: String, metric: String, labels: [String: String], from: Date, to: Date, step: Duration?
    ) async throws -> MetricHistory { MetricHistory(resolution: .raw, step: nil, points: []) }
    func machines() async throws -> [MachineRecord] { [] }
    func retire(machine: String, at: Date) async throws -> Bool { false }
    func latestProcesses(machine: String) async throws -> Fleetwatch_V1_ProcessSnapshot? { nil }
    func sequenceAccounting(machine: String) async throws -> SequenceAccounting {
        SequenceAccounting(count: 0, lowest: nil, highest: nil)
    }
}

enum Deliveries {
    /// The test run's clock: the persister checks every batch's timestamps against its own (the real one unless
    /// injected), so the batches below are stamped a minute before it.
    static let nowMs = Int64(Date().timeIntervalSince1970 * 1000)

    static func batch(machine: String = "web-1", sequence: UInt64, value: Double = 1) -> Fleetwatch_V1_MetricBatch {
        var batch = Fleetwatch_V1_MetricBatch()
        batch.machine.machineID = machine
        batch.sequence = sequence
        batch.timestampMs = (nowMs / 1000 - 60) * 1000
        var sample = Fleetwatch_V1_Sample()
        sample.name = MetricName.cpuUsagePercent
        sample.labels = ["cpu": "total"]
        sample.value = value
        sample.timestampMs = batch.timestampMs
        batch.samples = [sample]
        return batch
    }

    static func of(
        _ batch: Fleetwatch_V1_MetricBatch, tag: UInt64, type: String? = MessageType.metricBatch
    ) throws -> Delivery {
        let body: [UInt8] = try batch.serializedBytes()
        return raw(body, tag: tag, type: type)
    }

    static func raw(_ body: [UInt8], tag: UInt64, type: String? = MessageType.metricBatch) -> Delivery {
        Delivery(
            exchange: "fleet.metrics", routingKey: "metrics.web-1.samples", body: body, type: type, headers: [:],
            redelivered: false, tag: tag, epoch: 1)
    }
}

/// State behind a lock that tests can also await: `wait(until:)` returns once a change made through
/// `withLock` (or the current state) satisfies the condition. No polling, no sleeping.
final class Watched<State: Sendable>: Sendable {
    private struct Waiter: Sendable {
        let condition: @Sendable (State) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct Storage: Sendable {
        var value: State
        var waiters: [Waiter] = []
    }

    private let storage: Mutex<Storage>

    init(_ value: State) { storage = Mutex(Storage(value: value)) }

    /// Reads or changes the state; wakes the waiters whose condition now holds (also when `body` throws
    /// after changing the state, as the failing store does).
    func withLock<Value: Sendable, Failure: Error>(
        _ body: (inout State) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        let (result, ready) = storage.withLock { storage -> (Result<Value, Failure>, [Waiter]) in
            let result = Result { () throws(Failure) -> Value in try body(&storage.value) }
            let value = storage.value
            let ready = storage.waiters.filter { $0.condition(value) }
            storage.waiters.removeAll { $0.condition(value) }
            return (result, ready)
        }
        for waiter in ready { waiter.continuation.resume() }
        return try result.get()
    }

    /// Suspends until `condition` holds (checked now and after every change). Not cancellable: tests
    /// bound it with a time limit instead.
    func wait(until condition: @escaping @Sendable (State) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let satisfied = storage.withLock { storage -> Bool in
                if condition(storage.value) { return true }
                storage.waiters.append(Waiter(condition: condition, continuation: continuation))
                return false
            }
            if satisfied { continuation.resume() }
        }
    }
}
