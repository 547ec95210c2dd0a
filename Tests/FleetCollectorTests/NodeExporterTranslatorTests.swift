import FleetCore
import FleetProto
import Testing

@testable import FleetCollector

/// node_exporter families onto Fleetwatch's metric names, through the normalizer the pipeline runs: two scrapes
/// 10 s apart (Fixtures/node_exporter/tick1.prom, tick2.prom) with hand-computed rates.
@Suite struct NodeExporterTranslatorTests {
    private static func samples(_ readings: [Fleetwatch_V1_Reading]) -> [String: Double] {
        var batch = Fleetwatch_V1_RawBatch()
        batch.machineID = "m1"
        batch.sequence = 1
        batch.source = NodeExporterReading.source
        batch.timestampMs = 1_700_000_000_000
        batch.readings = readings
        let result = try! Normalizer().normalize(batch, receivedMs: batch.timestampMs, nowMs: batch.timestampMs)
        #expect(result.unknownKeys.isEmpty)
        #expect(result.dropped.isEmpty)
        return Dictionary(
            result.batch.samples.map {
                (
                    $0.labels.isEmpty
                        ? $0.name
                        : "\($0.name){\($0.labels.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))}",
                    $0.value
                )
            },
            uniquingKeysWith: { first, _ in first })
    }

    private static func parse(_ name: String) -> PrometheusExposition {
        PrometheusTextParser.parse(Fixture.text("node_exporter/\(name)"))
    }

    @Test func gaugesMapAtTheFirstScrapeAndRatesAtTheSecond() {
        var translator = NodeExporterTranslator()
        let first = translator.translate(Self.parse("tick1.prom"), atSeconds: 100)
        let one = Self.samples(first.readings)
        #expect(one["load.1m"] == 0.5 && one["load.5m"] == 0.25 && one["load.15m"] == 0.125)
        #expect(one["mem.total_bytes"] == 8_589_934_592)
        #expect(one["mem.available_bytes"] == 2_147_483_648)
        #expect(one["mem.used_percent"] == 75)
        #expect(one["swap.used_percent"] == 50)
        #expect(one["disk.used_bytes{mount:/}"] == 600)
        #expect(one["disk.used_percent{mount:/}"]! == 600.0 / 900 * 100)
        #expect(one["disk.used_bytes{mount:/run}"] == nil, "tmpfs is not storage")
        #expect(one["host.uptime_seconds"] == 100_000)
        #expect(one.keys.allSatisfy { !$0.hasPrefix("cpu.") && !$0.hasPrefix("net.") && !$0.hasPrefix("disk.read") })

        let second = translator.translate(Self.parse("tick2.prom"), atSeconds: 110)
        let two = Self.samples(second.readings)
        #expect(two["cpu.usage_percent{cpu:total}"] == 10)
        #expect(two["cpu.usage_percent{cpu:0}"] == 20)
        #expect(two["cpu.usage_percent{cpu:1}"] == 0)
        #expect(two["cpu.iowait_percent"] == 10)
        #expect(two["disk.read_bytes_per_s{device:vda}"] == 1024)
        #expect(two["disk.write_bytes_per_s{device:vda}"] == 0)
        #expect(two["net.recv_bytes_per_s{iface:eth0}"] == 2000)
        #expect(two["net.sent_bytes_per_s{iface:eth0}"] == nil, "a counter that went down was reset: no rate")
        #expect(two["net.recv_bytes_per_s{iface:lo}"] == nil, "loopback only with includeLoopback")
    }

    @Test func otherFamiliesPassThroughUnderTheirOwnNamesAndLabels() {
        var translator = NodeExporterTranslator()
        let output = translator.translate(Self.parse("tick1.prom"), atSeconds: 100)
        let samples = Self.samples(output.readings)
        #expect(samples["node_memory_Cached_bytes"] == 1_073_741_824)
        #expect(samples["node_textfile_scrape_error"] == 0)
        #expect(samples["node_exporter_build_info{branch:debian/sid,goversion:go1.19.8,revision:1.5.0-1+b6,version:1.5.0}"] == 1)
        #expect(
            !samples.keys.contains { $0.hasPrefix("node_load") || $0.hasPrefix("node_cpu") || $0.hasPrefix("node_filesystem") })
        #expect(output.skipped == 0)
    }

    @Test func theMachineDescribesItself() {
        var translator = NodeExporterTranslator()
        let output = translator.translate(Self.parse("tick1.prom"), atSeconds: 100)
        #expect(output.hostname == "web-1.example.com")
        #expect(output.kernel == "6.1.0-13-amd64")
        #expect(output.os == "Debian GNU/Linux 12 (bookworm)")
        #expect(output.cpuCores == 2)
        #expect(output.exporterVersion == "1.5.0")
    }

    @Test func passThroughOutsideTheEdgesRulesIsSkippedNotSent() {
        var limits = BatchLimits()
        limits.maxKeyLength = 20
        limits.maxReadings = 18
        var translator = NodeExporterTranslator(limits: limits)
        let text = """
            a_name_longer_than_twenty_bytes 1
            many_labels{\((0..<17).map { "l\($0)=\"v\"" }.joined(separator: ","))} 1
            long_value{l="\(String(repeating: "x", count: 257))"} 1
            fits 1
            node_load1 1
            """
        let output = translator.translate(PrometheusTextParser.parse(text), atSeconds: 1)
        #expect(output.readings.map(\.key) == [ProcReading.loadavg1, "fits"])
        #expect(output.skipped == 3)

        limits.maxReadings = 1
        translator = NodeExporterTranslator(limits: limits)
        let capped = translator.translate(PrometheusTextParser.parse(text), atSeconds: 1)
        #expect(capped.readings.map(\.key) == [ProcReading.loadavg1], "mapped readings come first")
        #expect(capped.skipped == 4)
    }

    @Test func aRealScrapeBecomesABatchTheEdgeAccepts() throws {
        var translator = NodeExporterTranslator()
        let real = PrometheusTextParser.parse(Fixture.text("node_exporter/real.prom"))
        _ = translator.translate(real, atSeconds: 1)
        let output = translator.translate(real, atSeconds: 2)
        let batch = ScrapeAgent.batch(machineID: "vm", output: output, labels: [:], timestampMs: 1_796_631_705_000)
        var numbered = batch
        numbered.sequence = 1
        try numbered.validate(nowMs: 1_796_631_705_000)
        let samples = Self.samples(batch.readings)
        #expect(samples["load.1m"] == 2.2)
        #expect(samples["mem.total_bytes"] == 25_276_194_816)
        #expect(samples["cpu.usage_percent{cpu:total}"] == nil, "the same counters twice: no time spent")
        #expect(samples["node_network_up{device:eth0}"] != nil)
        #expect(batch.identity.hostname == "vm" && batch.identity.cpuCores == 2)
        #expect(batch.identity.agentVersion == "node_exporter 1.5.0")
    }
}
