import FleetCore
import FleetProto
import Testing

@Suite("Container readings onto canonical names")
struct ContainerNormalizationTests {
    private func reading(_ key: String, _ value: Double, _ labels: [String: String]) -> Fleetwatch_V1_Reading {
        .with {
            $0.key = key
            $0.value = value
            $0.labels = labels
        }
    }

    @Test func cgroupReadingsBecomeContainerMetricsWithOnlyTheContainerLabel() {
        let labels = ["container": "web", "stray": "x"]
        let out = ProcNormalization.normalize(
            [
                reading(ProcReading.cgroupCPUSecondsPerSecond, 1.5, labels),
                reading(ProcReading.cgroupMemoryBytes, 1024, labels),
                reading(ProcReading.cgroupIOReadBytesPerSecond, 10, labels),
                reading(ProcReading.cgroupIOWriteBytesPerSecond, 20, labels),
                reading(ProcReading.cgroupNetRxBytesPerSecond, 30, labels),
                reading(ProcReading.cgroupNetTxBytesPerSecond, 40, labels),
            ], timestampMs: 1)
        #expect(out.unknownKeys.isEmpty)
        #expect(out.samples.map(\.name) == MetricName.containerMetrics)
        #expect(out.samples.map(\.value) == [150, 1024, 10, 20, 30, 40])
        #expect(out.samples.allSatisfy { $0.labels == ["container": "web"] })
    }

    @Test func containerMetricsAreKnownToHistoryAndRules() {
        for name in MetricName.containerMetrics { #expect(MetricName.all.contains(name)) }
    }
}
