import FleetSettings
import Prometheus
import Testing

@testable import FleetRuntime

@Suite struct MetricsExpositionTests {
    @Test func helpFromTheTableGoesBeforeEachTypeLine() {
        let text = MetricsExposition.withHelp(
            "# TYPE fleetwatch_ingest_readings_total counter\nfleetwatch_ingest_readings_total 3\n"
                + "# TYPE fleetwatch_unknown_thing gauge\nfleetwatch_unknown_thing 1\n")
        #expect(
            text == "# HELP fleetwatch_ingest_readings_total Readings in accepted batches.\n"
                + "# TYPE fleetwatch_ingest_readings_total counter\nfleetwatch_ingest_readings_total 3\n"
                + "# TYPE fleetwatch_unknown_thing gauge\nfleetwatch_unknown_thing 1\n")
    }

    @Test func anExistingHelpLineIsKept() {
        let input = "# HELP fleetwatch_ingest_readings_total Own text.\n# TYPE fleetwatch_ingest_readings_total counter\n"
        #expect(MetricsExposition.withHelp(input) == input)
    }

    @Test func theRenderedRegistryEndsWithProcessAndBuildInfo() {
        let registry = PrometheusCollectorRegistry()
        PrometheusMetricsFactory(registry: registry).makeCounter(
            label: "fleetwatch_ingest_batches_total", dimensions: [("result", "accepted")]
        ).increment(by: 1)
        let text = String(decoding: MetricsExposition.render(registry), as: UTF8.self)
        #expect(text.hasPrefix("# HELP fleetwatch_ingest_batches_total "))
        #expect(text.contains("process_open_fds "))
        #expect(
            text.hasSuffix(
                "fleetwatch_build_info{version=\"\(FleetwatchVersion.current)\",swift=\"\(FleetwatchVersion.swift)\"} 1\n"))
    }
}
