import FleetCore
import FleetProto
import Testing

/// The "node_exporter" source: proc-vocabulary readings become canonical samples, Prometheus names pass through.
@Suite struct NodeExporterNormalizationTests {
    private static func reading(_ key: String, _ value: Double, _ labels: [String: String] = [:]) -> Fleetwatch_V1_Reading {
        var reading = Fleetwatch_V1_Reading()
        reading.key = key
        reading.value = value
        reading.labels = labels
        return reading
    }

    @Test func canonicalAndPassThroughSamplesSideBySide() {
        let output = NodeExporterNormalization.normalize(
            [
                Self.reading(ProcReading.loadavg1, 0.5), Self.reading("node_procs_running", 3),
                Self.reading("node_network_up", 1, ["device": "eth0"]),
            ], timestampMs: 42)
        #expect(output.samples.map(\.name) == [MetricName.load1m, "node_procs_running", "node_network_up"])
        #expect(output.samples[2].labels == ["device": "eth0"])
        #expect(output.samples.allSatisfy { $0.timestampMs == 42 })
        #expect(output.unknownKeys.isEmpty && output.dropped.isEmpty)
    }

    @Test func unusableValuesAreDroppedAndDottedUnknownKeysReported() {
        let output = NodeExporterNormalization.normalize(
            [Self.reading("node_huge", 1e308), Self.reading("made.up", 1)], timestampMs: 1)
        #expect(output.samples.isEmpty)
        #expect(output.dropped == [DroppedValue(series: "node_huge", value: 1e308)])
        #expect(output.unknownKeys == ["made.up"])
    }

    @Test func theEdgeAcceptsTheSource() throws {
        var batch = Fleetwatch_V1_RawBatch()
        batch.machineID = "m1"
        batch.sequence = 1
        batch.source = NodeExporterReading.source
        batch.timestampMs = 1_700_000_000_000
        batch.readings = [Self.reading("node_procs_running", 3)]
        try batch.validate(nowMs: batch.timestampMs)
        let result = try Normalizer().normalize(batch, receivedMs: batch.timestampMs, nowMs: batch.timestampMs)
        #expect(result.batch.samples.map(\.name) == ["node_procs_running"])
    }
}
