import FleetCore
import FleetProto
import Testing

@Suite struct ValidationTests {
    let now = NormalizerTests.now

    func valid() -> Fleetwatch_V1_RawBatch {
        NormalizerTests.batch([NormalizerTests.reading(ProcReading.loadavg1, 1)])
    }

    func refusal(_ mutate: (inout Fleetwatch_V1_RawBatch) -> Void) -> ValidationError? {
        var batch = valid()
        mutate(&batch)
        do {
            try batch.validate(nowMs: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsAValidBatch() throws {
        try valid().validate(nowMs: now)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func refusesNonFiniteValues(_ value: Double) {
        let refused1 = refusal { (b: inout Fleetwatch_V1_RawBatch) in b.readings[0].value = value }
        #expect(refused1?.field == "readings[0].value")
    }

    @Test func refusesFarFutureAndAncientTimestamps() {
        let refused2 = refusal { (b: inout Fleetwatch_V1_RawBatch) in b.timestampMs = now + 6 * 60 * 1000 }
        #expect(refused2?.field == "timestamp_ms")
        let refused3 = refusal { (b: inout Fleetwatch_V1_RawBatch) in b.timestampMs = now - 31 * 86_400_000 }
        #expect(refused3?.field == "timestamp_ms")
        let refused4 = refusal { (b: inout Fleetwatch_V1_RawBatch) in b.timestampMs = now + 60 * 1000 }
        #expect(refused4 == nil)
    }

    @Test(arguments: ["", "a.b", "a b", "x/y", String(repeating: "a", count: 129)])
    func refusesMachineIDsThatBreakRoutingKeys(_ id: String) {
        let refused5 = refusal { (b: inout Fleetwatch_V1_RawBatch) in
            b.machineID = id; b.identity.machineID = id
        }
        #expect(refused5?.field == "machine_id")
    }

    @Test func refusesSequenceZeroAndMismatchedIdentity() {
        let refused6 = refusal { (b: inout Fleetwatch_V1_RawBatch) in b.sequence = 0 }
        #expect(refused6?.field == "sequence")
        let refused7 = refusal { (b: inout Fleetwatch_V1_RawBatch) in b.identity.machineID = "other" }
        #expect(refused7?.field == "identity.machine_id")
    }

    @Test func refusesHugeLabelsAndCardinalityFloods() {
        let refused8 = refusal { (b: inout Fleetwatch_V1_RawBatch) in
            b.readings[0].labels = ["k": String(repeating: "v", count: 300)]
        }
        #expect(refused8?.field == "readings[0].labels")
        let refused9 = refusal { (b: inout Fleetwatch_V1_RawBatch) in
            b.readings[0].labels = Dictionary(uniqueKeysWithValues: (0..<17).map { ("l\($0)", "v") })
        }
        #expect(refused9?.field == "readings[0].labels")
        let refused10 = refusal { (b: inout Fleetwatch_V1_RawBatch) in b.readings = Array(repeating: b.readings[0], count: 10_001)
        }
        #expect(refused10?.field == "readings")
        let refused11 = refusal { (b: inout Fleetwatch_V1_RawBatch) in b.readings[0].key = "" }
        #expect(refused11?.field == "readings[0].key")
    }

    @Test func errorsReadAsFieldColonReason() {
        let error = refusal { $0.readings[0].value = .nan }
        #expect(error?.description == "readings[0].value: loadavg.1 is nan, values must be finite")
    }
}
