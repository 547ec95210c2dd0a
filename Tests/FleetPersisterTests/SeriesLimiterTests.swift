import FleetBus
import FleetCore
import FleetProto
import FleetStore
import FleetTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import FleetPersister

/// Issue 12, defect 6: 100,000 distinct series from one machine were once stored whole. The persister applies the
/// per-machine series limit at the store's boundary (`SeriesLimiter`, shared with the edge): new series past the
/// limit are removed from their batch and counted on it, the rest of the batch is stored, and each machine is
/// logged once.
@Suite(.timeLimit(.minutes(1))) struct SeriesLimiterTests {
    static let hourMs: Int64 = 3_600_000

    /// A batch of `machine` at `atMs` with one sample of `load.1m` per label value in `series`.
    static func batch(_ series: [String], machine: String = "web-1", atMs: Int64 = Deliveries.nowMs)
        -> Fleetwatch_V1_MetricBatch
    {
        .with {
            $0.machine.machineID = machine
            $0.sequence = 1
            $0.timestampMs = atMs
            $0.samples = series.map { name in
                .with {
                    $0.name = "load.1m"
                    $0.labels = ["series": name]
                    $0.value = 1
                    $0.timestampMs = atMs
                }
            }
        }
    }

    static func limiter(_ limit: Int, logger: Logger = Logger(label: "test")) -> SeriesLimiter {
        SeriesLimiter(limit: limit, counter: "test_refused_series_total", stage: "persister", logger: logger)
    }

    @Test func newSeriesPastTheLimitAreRemovedAndCountedOnTheBatch() {
        let limiter = Self.limiter(3)
        var batch = Self.batch(["a", "b", "c", "d", "e"])
        batch.refusedSeries = 4  // what the edge refused already: the live view shows the sum

        #expect(limiter.apply(&batch) == 2)
        #expect(batch.samples.map { $0.labels["series"] } == ["a", "b", "c"])
        #expect(batch.refusedSeries == 6)
    }

    @Test func seriesTheMachineHasAlwaysPassAndMachinesHaveTheirOwnBudget() {
        let limiter = Self.limiter(2)
        var first = Self.batch(["a", "b"])
        #expect(limiter.apply(&first) == 0)

        var again = Self.batch(["c", "b", "a"])
        #expect(limiter.apply(&again) == 1)
        #expect(again.samples.map { $0.labels["series"] } == ["b", "a"])
        #expect(again.refusedSeries == 1)

        var other = Self.batch(["c", "d"], machine: "web-2")
        #expect(limiter.apply(&other) == 0)
        #expect(other.samples.count == 2)
    }

    @Test func aBatchWithinTheLimitIsLeftAsItIs() {
        let limiter = Self.limiter(10)
        var batch = Self.batch(["a", "b"])
        let before = batch
        #expect(limiter.apply(&batch) == 0)
        #expect(batch == before)
        var empty = Self.batch([])
        #expect(limiter.apply(&empty) == 0)
    }

    /// Series count while seen in the current or previous hour (`SeriesBudget`): a machine whose series churn gets
    /// room back, by the batches' own time.
    @Test func aMachineGetsRoomBackOnceItsOldSeriesAgeOut() {
        let limiter = Self.limiter(2)
        let start = Deliveries.nowMs
        var old = Self.batch(["a", "b"], atMs: start)
        #expect(limiter.apply(&old) == 0)
        var soon = Self.batch(["c"], atMs: start + Self.hourMs / 2)
        #expect(limiter.apply(&soon) == 1)
        var later = Self.batch(["c", "d"], atMs: start + 2 * Self.hourMs + 1)
        #expect(limiter.apply(&later) == 0)
    }

    @Test func rawReadingsAreLimitedAtTheEdgeTheSameWay() {
        let limiter = Self.limiter(2)
        var raw = Fleetwatch_V1_RawBatch.with {
            $0.machineID = "web-1"
            $0.readings = ["x", "y", "z"].map { key in
                Fleetwatch_V1_Reading.with {
                    $0.key = key
                    $0.value = 1
                }
            }
        }
        #expect(limiter.apply(&raw, atMs: Deliveries.nowMs) == 1)
        #expect(raw.readings.map(\.key) == ["x", "y"])
    }

    @Test func logsEachMachineOnceWithItsLimit() {
        let captured = CapturedLogs()
        let limiter = Self.limiter(1, logger: captured.logger)
        for round in 0..<20 {
            var batch = Self.batch(["keep", "new-\(round)"])
            limiter.apply(&batch)
        }
        var other = Self.batch(["a", "b"], machine: "web-2")
        limiter.apply(&other)

        let lines = captured.lines.withLock { $0 }
        #expect(lines.map { $0.metadata["machine"]?.description } == ["web-1", "web-2"])
        #expect(lines.first?.metadata["limit"] == "1")
        #expect(lines.first?.metadata["stage"] == "persister")
        #expect(lines.first?.metadata["refused"] == "1")
    }

    /// Through the persister: the batch is stored without the refused series and acked, never dead-lettered.
    @Test func thePersisterStoresTheRestOfABatchAndAcksIt() async throws {
        var configuration = PersisterConfiguration(backoff: Backoff(base: .zero, cap: .zero), retentionInterval: nil)
        configuration.limits.maxSeriesPerMachine = 2
        var batch = Deliveries.batch(sequence: 1)
        let template = batch.samples[0]
        batch.samples = ["0", "1", "2", "3"].map { cpu in
            var sample = template
            sample.labels = ["cpu": cpu]
            return sample
        }
        let consumer = FakeConsumer(rounds: [[try Deliveries.of(batch, tag: 1)]])
        let store = FakeStore()
        await Persister(consumer: consumer, store: store, configuration: configuration).run()

        let stored = try #require(store.state.withLock { $0.persisted.first?.first })
        #expect(stored.samples.map { $0.labels["cpu"] } == ["0", "1"])
        #expect(stored.refusedSeries == 2)
        #expect(consumer.state.withLock { $0.acked } == [1])
        #expect(consumer.state.withLock { $0.deadLettered }.isEmpty)
    }
}
