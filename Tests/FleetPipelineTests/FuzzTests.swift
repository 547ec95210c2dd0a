import FleetBus
import FleetCore
import FleetIngest
import FleetProto
import GRPCCore
import Testing

/// The fuzz target of issue 12: structured random batches (`HostileBatchGenerator`) through the edge's validation,
/// the normalizer and the real `IngestService` on the in-process bus. Every run prints its seed;
/// `FLEETWATCH_FUZZ_SEED` replays it and `FLEETWATCH_FUZZ_CASE` one case of it; `scripts/fuzz` runs it for longer.
/// A failure names the seed, the case and the input, shrunk to what the failure needs.
@Suite(.timeLimit(.minutes(FuzzSettings.current.timeLimitMinutes))) struct FuzzTests {
    static let settings = FuzzSettings.current
    static let limits = BatchLimits.standard
    /// A failing run reports this many failures, then stops.
    static let maxReported = 5

    /// Properties 1 and 2: validation and normalization never trap, and what the edge accepts comes out of the
    /// normalizer usable and acceptable to every consumer of fleet.metrics.
    @Test func whatTheEdgeAcceptsNormalizesToUsableValuesConsumersAccept() async {
        let seed = Self.settings.seed
        print("fuzz (normalization): seed \(seed); replay with \(Self.settings.replayHint)")
        let started = ContinuousClock.now
        var accepted = 0
        var failures = 0
        let cases = await Self.settings.forEachCase(fixedCount: 600) { index in
            var generator = HostileBatchGenerator(seed: seed, case: index, limits: Self.limits, nowMs: testNowMs)
            let batch = generator.batch()
            if (try? batch.validate(limits: Self.limits, nowMs: testNowMs)) != nil { accepted += 1 }
            guard let failure = Self.normalizationFailure(batch) else { return true }
            let shrunk = BatchShrinker.shrink(batch) { Self.normalizationFailure($0) != nil }
            Issue.record(
                """
                fuzz seed \(seed) case \(index): \(Self.normalizationFailure(shrunk) ?? failure)
                  input (shrunk): \(BatchDescription.describe(shrunk, nowMs: testNowMs))
                  replay: \(Self.settings.replayHint) FLEETWATCH_FUZZ_CASE=\(index)
                """)
            failures += 1
            return failures < Self.maxReported
        }
        print("fuzz (normalization): \(cases) cases (\(accepted) accepted by the edge) in \(ContinuousClock.now - started), seed \(seed), \(failures) failures")
    }

    /// Property 3: through the real edge, every acked batch is on the bus exactly once and every refused one got
    /// INVALID_ARGUMENT or RESOURCE_EXHAUSTED, is not on the bus, and is exactly what validation refuses.
    @Test func everyAckedBatchIsOnTheBusOnceAndNoRefusedOne() async throws {
        let seed = Self.settings.seed
        print("fuzz (edge): seed \(seed); replay with \(Self.settings.replayHint)")
        let started = ContinuousClock.now
        var round = EdgeRound()
        var totals = (cases: 0, acked: 0, refused: 0, failures: 0)
        totals.cases = try await Self.settings.forEachCase(fixedCount: 100) { index in
            var generator = HostileBatchGenerator(seed: seed, case: index, limits: Self.limits, nowMs: testNowMs)
            round.batches.append((index, generator.batch()))
            // Rounds bound what the bus holds in a long run; each ends with the bus accounting.
            if round.batches.count == 50 {
                totals.failures += try await round.run(seed: seed)
                totals.acked += round.acked
                totals.refused += round.refused
                round = EdgeRound()
            }
            return totals.failures < Self.maxReported
        }
        totals.failures += try await round.run(seed: seed)
        totals.acked += round.acked
        totals.refused += round.refused
        print(
            "fuzz (edge): \(totals.cases) batches (\(totals.acked) acked, \(totals.refused) refused) in \(ContinuousClock.now - started), seed \(seed), \(totals.failures) failures"
        )
    }

    /// Inputs the fuzzer found, kept as fixed cases. Seed 1, cases 1086 and 1695 (before the fix): the edge
    /// acked a batch of an unknown source (`<script>alert(1)</script>`, 32 × "s") that the normalizer then
    /// dead-lettered. The edge now refuses an unknown source.
    @Test(arguments: ["<script>alert(1)</script>", String(repeating: "s", count: 32), "\r\n\t", "snmp"])
    func anUnknownSourceIsRefusedByTheEdgeNotAckedAndDeadLettered(source: String) {
        var batch = rawBatch(41_895, machine: "m9")
        batch.source = source
        #expect(throws: ValidationError("source", "unknown source '\(source.prefix(40))'; known: proc, node_exporter")) {
            try batch.validate(nowMs: testNowMs)
        }
        #expect(Self.normalizationFailure(batch) == nil)
    }

    /// Seed 20261207, case 548 (before the fix): a process snapshot stamped more than 5 minutes ahead was acked by
    /// the edge, then refused by every consumer of fleet.metrics. The edge now checks the snapshot's time too.
    @Test func aProcessSnapshotFromTheFutureIsRefusedByTheEdge() {
        var batch = rawBatch(UInt64.max - 1, machine: "m5")
        batch.processes.timestampMs = testNowMs + BatchLimits.standard.maxFutureSkewMs + 1
        #expect(throws: ValidationError("processes.timestamp_ms", "1780000300001 is more than 300 s in the future")) {
            try batch.validate(nowMs: testNowMs)
        }
        #expect(Self.normalizationFailure(batch) == nil)
    }

    static func normalizationFailure(_ batch: Fleetwatch_V1_RawBatch) -> String? {
        FuzzProperties.acceptedBatchSurvivesNormalization(batch, limits: limits, nowMs: testNowMs)
    }
}

/// Up to 50 fuzz batches sent to one edge over one in-process bus, one stream each (a refusal ends its stream),
/// then the bus drained and compared with the acks.
struct EdgeRound {
    var batches: [(index: Int, batch: Fleetwatch_V1_RawBatch)] = []
    var acked = 0
    var refused = 0

    /// Returns the number of failures it recorded.
    mutating func run(seed: UInt64) async throws -> Int {
        guard !batches.isEmpty else { return 0 }
        let bus = InProcessBus(defaultMaxLength: 1_000_000, defaultMaxBytes: 1 << 36)
        try await bus.declare(.normalize)
        var failures: [String] = []
        var ackedBatches: [String: Int] = [:]
        let batches = self.batches
        var acked = 0
        var refused = 0
        try await withEdge(bus, limits: FuzzTests.limits) { edge in
            for (index, batch) in batches {
                let valid = (try? batch.validate(limits: FuzzTests.limits, nowMs: testNowMs)) != nil
                let stream = EdgeStream(edge)
                stream.send(batch)
                stream.finish()
                let result = await stream.result
                let where_ = "fuzz seed \(seed) case \(index)"
                let input = "  input: \(BatchDescription.describe(batch, nowMs: testNowMs))\n  replay: FLEETWATCH_FUZZ_SEED=\(seed) FLEETWATCH_FUZZ_CASE=\(index)"
                switch result {
                case .success:
                    if stream.acks != [batch.sequence] {
                        failures.append("\(where_): the stream ended cleanly with acks \(stream.acks), expected [\(batch.sequence)]\n\(input)")
                    } else if !valid {
                        failures.append("\(where_): the edge acked a batch its validation refuses\n\(input)")
                    } else {
                        acked += 1
                        ackedBatches[Self.key(batch), default: 0] += 1
                    }
                case .failure(let error):
                    let code = (error as? RPCError)?.code
                    if code != .invalidArgument && code != .resourceExhausted {
                        failures.append("\(where_): refused with \(error), expected INVALID_ARGUMENT or RESOURCE_EXHAUSTED\n\(input)")
                    } else if !stream.acks.isEmpty {
                        failures.append("\(where_): refused with \(error) but acked \(stream.acks)\n\(input)")
                    } else if valid && code == .invalidArgument {
                        failures.append("\(where_): the edge refused a batch its validation accepts: \(error)\n\(input)")
                    } else {
                        refused += 1
                    }
                }
            }
        }
        // Every ack came after the bus took the batch, so everything the edge published is in the queue now.
        let onBus = try await Self.drain(bus)
        if onBus != ackedBatches {
            let keys = Set(onBus.keys).union(ackedBatches.keys).sorted()
            let differences = keys.filter { onBus[$0] != ackedBatches[$0] }
                .map { "\($0): acked \(ackedBatches[$0] ?? 0)×, on the bus \(onBus[$0] ?? 0)×" }
            failures.append(
                "fuzz seed \(seed) cases \(batches.first!.index)...\(batches.last!.index): sequence accounting differs: \(differences.prefix(10).joined(separator: "; "))"
            )
        }
        await bus.shutdown()
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
        self.acked = acked
        self.refused = refused
        return failures.count
    }

    /// (machine, sequence) of every batch on fleet.normalize, counted.
    static func drain(_ bus: InProcessBus) async throws -> [String: Int] {
        let ready = bus.depth(of: FleetQueue.normalize)!.0
        var counts: [String: Int] = [:]
        guard ready > 0 else { return counts }
        let consumer = try await bus.consume(queue: FleetQueue.normalize, prefetch: ready)
        var taken = 0
        while taken < ready {
            let deliveries = try await consumer.nextBatch(max: ready - taken, window: .zero)
            taken += deliveries.count
            for delivery in deliveries {
                for batch in try DeliveryBatches.raw(delivery) { counts[key(batch), default: 0] += 1 }
            }
            try await consumer.ack(deliveries)
        }
        return counts
    }

    static func key(_ batch: Fleetwatch_V1_RawBatch) -> String { "\(batch.machineID)#\(batch.sequence)" }
}
