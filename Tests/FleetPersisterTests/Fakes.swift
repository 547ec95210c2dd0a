import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import Synchronization

/// A consumer that hands out prepared rounds and records how each delivery was settled.
final class FakeConsumer: MessageConsumer {
    struct State {
        var rounds: [[Delivery]] = []
        var acked: [UInt64] = []
        var requeued: [UInt64] = []
        var deadLettered: [(UInt64, String)] = []
        var closed = false
        /// When the prepared rounds ran out: wait (like a quiet queue) or return [] (closed).
        var waitWhenEmpty = false
    }

    let state = Mutex(State())

    init(rounds: [[Delivery]], waitWhenEmpty: Bool = false) {
        state.withLock {
            $0.rounds = rounds
            $0.waitWhenEmpty = waitWhenEmpty
        }
    }

    func next() async throws -> Delivery? { try await nextBatch(max: 1, window: .zero).first }

    func nextBatch(max: Int, window: Duration) async throws -> [Delivery] {
        while true {
            let (round, wait) = state.withLock { state -> ([Delivery]?, Bool) in
                if state.closed { return ([], false) }
                if !state.rounds.isEmpty { return (state.rounds.removeFirst(), false) }
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
    func close() async { state.withLock { $0.closed = true } }
}

/// A store that records persisted batches, can fail a number of times, and can be slow.
final class FakeStore: MetricStore {
    struct State {
        var persisted: [[Fleetwatch_V1_MetricBatch]] = []
        var failuresLeft = 0
        var retentionRuns = 0
    }

    let state = Mutex(State())
    let delay: Duration

    init(failures: Int = 0, delay: Duration = .zero) {
        self.delay = delay
        state.withLock { $0.failuresLeft = failures }
    }

    struct Down: Error {}

    func migrate() async throws {}

    func persist(_ batches: [Fleetwatch_V1_MetricBatch]) async throws -> PersistResult {
        if delay > .zero {
            // Not cancellable on purpose: like a database round trip in flight.
            let deadline = ContinuousClock.now + delay
            while ContinuousClock.now < deadline { await Task.yield() }
        }
        return try state.withLock { state in
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw Down()
            }
            state.persisted.append(batches)
            return PersistResult(
                samplesInserted: batches.reduce(0) { $0 + $1.samples.count }, samplesDuplicate: 0,
                batchesNew: batches.count, batchesDuplicate: 0)
        }
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
    func latestProcesses(machine: String) async throws -> Fleetwatch_V1_ProcessSnapshot? { nil }
    func sequenceAccounting(machine: String) async throws -> SequenceAccounting {
        SequenceAccounting(count: 0, lowest: nil, highest: nil)
    }
}

enum Deliveries {
    static func batch(machine: String = "web-1", sequence: UInt64, value: Double = 1) -> Fleetwatch_V1_MetricBatch {
        var batch = Fleetwatch_V1_MetricBatch()
        batch.machine.machineID = machine
        batch.sequence = sequence
        batch.timestampMs = 1_795_780_800_000
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
