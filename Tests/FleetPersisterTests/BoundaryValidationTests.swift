import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import Testing

@testable import FleetPersister

/// Issue 12, defect 4: a message published straight on fleet.metrics reached storage unchecked — machine id
/// `../../x`, a 1 MB hostname and a year-3000 timestamp were persisted (the last one created the partition
/// `samples_p30000101` and set last_seen to 3000-01-01). The persister now applies the edge's rules at its boundary.
@Suite(.timeLimit(.minutes(1))) struct BoundaryValidationTests {
    let fast = PersisterConfiguration(backoff: Backoff(base: .zero, cap: .zero), retentionInterval: nil)
    /// 3000-01-01T00:00:00Z.
    static let year3000Ms: Int64 = 32_503_680_000_000

    func reason(_ mutate: (inout Fleetwatch_V1_MetricBatch) -> Void) -> String? {
        var batch = Deliveries.batch(sequence: 1)
        mutate(&batch)
        return MetricBatchDecoder.validate(batch, nowMs: Deliveries.nowMs)
    }

    @Test func refusesMachineIDsTheEdgeWouldRefuse() {
        #expect(
            reason { $0.machine.machineID = "../../x" }
                == "machine.machine_id: must contain only letters, digits, '_' and '-' (got '../../x')")
        #expect(reason { $0.machine.machineID = "a.b" }?.hasPrefix("machine.machine_id:") == true)
        #expect(reason { $0.machine.machineID = String(repeating: "m", count: 129) }?.hasPrefix("machine.machine_id:") == true)
    }

    @Test func refusesEveryTimeOutsideTheWindowOfItsOwnClock() {
        #expect(reason { $0.timestampMs = Self.year3000Ms } == "timestamp_ms: 32503680000000 is more than 300 s in the future")
        #expect(reason { $0.receivedMs = Self.year3000Ms }?.hasPrefix("received_ms: 32503680000000 is more than") == true)
        #expect(reason { $0.samples[0].timestampMs = Self.year3000Ms }?.hasPrefix("samples[0].timestamp_ms:") == true)
        #expect(
            reason { $0.processes = .with { $0.timestampMs = Self.year3000Ms } }?.hasPrefix("processes.timestamp_ms:")
                == true)
        #expect(reason { $0.timestampMs = Deliveries.nowMs - 31 * 86_400_000 } != nil)
        // Within the edge's skew: accepted.
        #expect(reason { $0.timestampMs = Deliveries.nowMs + 60_000 } == nil)
        #expect(reason { $0.receivedMs = Deliveries.nowMs } == nil)
    }

    @Test func refusesIdentityFieldsBeyondTheEdgeLimits() {
        #expect(
            reason { $0.machine.hostname = String(repeating: "h", count: 1 << 20) }
                == "machine.hostname: 1048576 bytes, at most 253")
        #expect(reason { $0.machine.os = String(repeating: "o", count: 900_000) }?.hasPrefix("machine.os:") == true)
        #expect(reason { $0.machine.cpuCores = -1 } == "machine.cpu_cores: -1 is outside 0-65536")
        #expect(
            reason { $0.machine.labels = Dictionary(uniqueKeysWithValues: (0..<33).map { ("l\($0)", "v") }) }
                == "machine.labels: 33 labels, at most 32")
        #expect(
            reason { $0.processes = .with { $0.byCpu = Array(repeating: .with { $0.pid = 1 }, count: 101) } }
                == "processes.by_cpu: 101 entries, at most 100 per list")
    }

    /// Markup in a hostname is text: stored as sent, and escaped by whoever shows it (the dashboard uses textContent).
    @Test func markupInAHostnameIsStoredAsText() async throws {
        var batch = Deliveries.batch(sequence: 1)
        batch.machine.hostname = "<script>alert(1)</script>"
        let round = [try Deliveries.of(batch, tag: 1)]
        let store = FakeStore()
        let outcome = await Persister(consumer: FakeConsumer(rounds: []), store: store, configuration: fast)
            .persistRound(round)
        guard case .settled(1, 0, _, _) = outcome else {
            Issue.record("expected the batch persisted, got \(outcome)")
            return
        }
        #expect(store.state.withLock { $0.persisted.first?.first?.machine.hostname } == "<script>alert(1)</script>")
    }

    /// The report's three messages in one bundle with a good batch: each bad one goes to the DLQ alone with its
    /// reason, the good one is persisted, and the store never sees a bad one.
    @Test func hostileBatchesOfABundleAreDeadLetteredAloneAndNeverStored() async throws {
        var traversal = Deliveries.batch(machine: "web-2", sequence: 2)
        traversal.machine.machineID = "../../x"
        var future = Deliveries.batch(machine: "web-3", sequence: 3)
        future.timestampMs = Self.year3000Ms
        future.samples[0].timestampMs = Self.year3000Ms
        future.receivedMs = Self.year3000Ms
        var huge = Deliveries.batch(machine: "web-4", sequence: 4)
        huge.machine.hostname = String(repeating: "h", count: 1 << 20)
        let bundle = BundleBody(
            try [Deliveries.batch(sequence: 1), traversal, future, huge].map { try $0.serializedBytes() as [UInt8] })
        let delivery = Deliveries.raw(bundle.bytes, tag: 5, type: MessageType.metricBundle)
        let consumer = FakeConsumer(rounds: [])
        let store = FakeStore()
        let outcome = await Persister(consumer: consumer, store: store, configuration: fast).persistRound([delivery])

        guard case .settled(let persisted, let deadLettered, _, _) = outcome else {
            Issue.record("expected a settled round, got \(outcome)")
            return
        }
        #expect(persisted == 1 && deadLettered == 3)
        #expect(consumer.state.withLock { $0.acked } == [5])
        let parts = consumer.state.withLock { $0.deadLetteredParts }
        let refused = try parts.map { (try Fleetwatch_V1_MetricBatch(serializedBytes: $0.1).sequence, $0.2) }
        #expect(refused.map(\.0) == [2, 3, 4])
        #expect(refused.map { $0.1.prefix { $0 != ":" } } == ["machine.machine_id", "timestamp_ms", "machine.hostname"])
        let stored = store.state.withLock { $0.persisted }.flatMap { $0 }
        #expect(stored.map(\.sequence) == [1])
        #expect(stored.allSatisfy { $0.timestampMs < Self.year3000Ms && $0.receivedMs < Self.year3000Ms })
    }

    /// The window is the persister's own (injected) clock: a batch a year older than it is refused.
    @Test func theWindowFollowsThePersistersClock() async throws {
        let round = [try Deliveries.of(Deliveries.batch(sequence: 1), tag: 1)]
        let store = FakeStore()
        let consumer = FakeConsumer(rounds: [])
        let aYearLater = Date(timeIntervalSince1970: Double(Deliveries.nowMs) / 1000 + 365 * 86_400)
        let outcome = await Persister(
            consumer: consumer, store: store, configuration: fast, now: { aYearLater }
        ).persistRound(round)
        guard case .settled(0, 1, _, _) = outcome else {
            Issue.record("expected the batch dead-lettered, got \(outcome)")
            return
        }
        #expect(consumer.state.withLock { $0.deadLettered.first?.1.hasPrefix("timestamp_ms:") } == true)
        #expect(consumer.state.withLock { $0.deadLettered.first?.1.hasSuffix("is older than 30 days") } == true)
        #expect(store.state.withLock { $0.calls }.isEmpty)
    }
}
