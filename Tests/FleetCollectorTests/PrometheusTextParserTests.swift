import Testing

@testable import FleetCollector

/// The Prometheus text format as exporters write it: HELP and TYPE, escapes, timestamps, and what must be left out.
@Suite struct PrometheusTextParserTests {
    @Test func readsHelpTypeLabelsEscapesAndTimestamps() {
        let exposition = PrometheusTextParser.parse(Fixture.text("node_exporter/edge.prom"))
        #expect(exposition.types["http_requests_total"] == "counter")
        #expect(exposition.types["rpc_duration_seconds"] == "summary")
        #expect(
            exposition.help["http_requests_total"] == "The total number of HTTP requests, with a \\ backslash and a \n newline.")
        #expect(
            exposition.samples.first
                == PrometheusSample(
                    name: "http_requests_total", labels: ["method": "post", "code": "200"], value: 1027,
                    timestampMs: 1_395_066_363_000))
        let file = exposition.samples.first { $0.name == "msdos_file_access_time_seconds" }
        #expect(file?.labels == ["path": #"C:\DIR\FILE.TXT"#, "error": "Cannot find file:\n\"FILE.TXT\""])
        #expect(file?.value == 1.458255915e9)
        #expect(exposition.samples.first { $0.name == "metric_without_timestamp_and_labels" }?.value == 12.47)
        #expect(
            exposition.samples.first { $0.name == "trailing_comma" }
                == PrometheusSample(name: "trailing_comma", labels: ["a": "1"], value: -0.03))
        #expect(
            exposition.samples.map(\.name).suffix(4) == [
                "rpc_duration_seconds", "rpc_duration_seconds_sum", "rpc_duration_seconds_count", "ok_after_errors",
            ])
    }

    @Test func nonFiniteValuesAreDroppedAndCounted() {
        let exposition = PrometheusTextParser.parse(Fixture.text("node_exporter/edge.prom"))
        #expect(exposition.droppedNonFinite == 3)
        #expect(!exposition.samples.contains { ["something_weird", "negative_infinity", "not_a_number"].contains($0.name) })
        #expect(exposition.samples.allSatisfy { $0.value.isFinite })
    }

    @Test func malformedLinesAreCountedWithTheirLineAndTheRestIsKept() {
        let exposition = PrometheusTextParser.parse(Fixture.text("node_exporter/edge.prom"))
        #expect(exposition.malformedLines == 5)
        #expect(
            exposition.problems == [
                "line 17: # TYPE broken: unknown type 'notatype'",
                "line 18: bad{label}: expected a quoted value",
                "line 19: expected a metric name",
                "line 20: no_value: value '' is not a number",
                "line 21: unclosed{a}: the quoted value is not closed",
            ])
        #expect(exposition.samples.last?.name == "ok_after_errors")
    }

    @Test func aRealNodeExporterScrapeParsesWithoutProblems() {
        let exposition = PrometheusTextParser.parse(Fixture.text("node_exporter/real.prom"))
        #expect(exposition.malformedLines == 0, "\(exposition.problems)")
        #expect(exposition.samples.count == 544)
        #expect(exposition.types["node_cpu_seconds_total"] == "counter")
        #expect(exposition.samples.contains { $0.name == "node_load1" && $0.value == 2.2 })
    }

    @Test(arguments: [("1e3", 1000.0), ("-0.5", -0.5), ("+Inf", .infinity), ("-Inf", -.infinity), ("42", 42)])
    func valuesInGoSpelling(text: String, value: Double) {
        #expect(PrometheusTextParser.parseValue(text) == value)
    }

    @Test func emptyTextIsAnEmptyScrape() {
        #expect(PrometheusTextParser.parse("") == PrometheusExposition())
        #expect(PrometheusTextParser.parse("\n\n  \n") == PrometheusExposition())
    }
}
