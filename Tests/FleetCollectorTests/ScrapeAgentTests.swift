import FleetCore
import FleetProto
import Synchronization
import Testing

@testable import FleetCollector

/// Scrapes whose text the test gives, in order; a nil answer is a failed scrape.
private final class CannedFetcher: ExpositionFetcher {
    private let answers: Mutex<[String?]>

    init(_ answers: [String?]) {
        self.answers = Mutex(answers)
    }

    func fetch() async throws -> String {
        guard let answer = answers.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw ScrapeFailure("connection refused")
        }
        return answer
    }
}

/// `fleetwatch scrape` without the network: each scrape becomes one numbered batch of the node_exporter source in
/// the outbox, a failed scrape none.
@Suite struct ScrapeAgentTests {
    @Test func eachScrapeIsOneBatchInTheOutboxAndAFailedOneIsNone() async throws {
        let directory = Fixture.temporaryDirectory()
        let fetcher = CannedFetcher([
            Fixture.text("node_exporter/tick1.prom"), nil, Fixture.text("node_exporter/tick2.prom"),
        ])
        let agent = try ScrapeAgent(configuration: CollectorConfiguration(dataDirectory: directory), fetcher: fetcher)
        let start = TickTime(wallMillis: 1_700_000_000_000, monotonicNanos: 1_000_000_000)

        let first = try #require(await agent.scrapeOnce(at: start))
        #expect(await agent.scrapeOnce(at: start.advanced(by: .seconds(5))) == nil)
        let second = try #require(await agent.scrapeOnce(at: start.advanced(by: .seconds(10))))

        #expect((first.sequence, second.sequence) == (1, 2))
        let batches = agent.buffer.pending()
        #expect(batches.count == 2)
        let batch = try #require(batches.last)
        #expect(batch.source == NodeExporterReading.source)
        #expect(batch.machineID == "web-1-example-com", "sanitized from node_uname_info's nodename")
        #expect(batch.identity.hostname == "web-1.example.com")
        #expect(batch.timestampMs == 1_700_000_010_000)
        #expect(
            batch.readings.contains { $0.key == ProcReading.cpuBusyRatio && $0.labels == ["cpu": "total"] && $0.value == 0.1 })
        try batch.validate(nowMs: batch.timestampMs)
    }

    @Test func aMachineIDGivenByTheOperatorWins() async throws {
        var configuration = CollectorConfiguration(dataDirectory: Fixture.temporaryDirectory())
        configuration.machineIDOverride = "edge-box"
        configuration.labels = ["site": "lab"]
        let agent = try ScrapeAgent(
            configuration: configuration, fetcher: CannedFetcher([Fixture.text("node_exporter/tick1.prom")]))
        _ = try #require(await agent.scrapeOnce())
        let batch = try #require(agent.buffer.pending().first)
        #expect(batch.machineID == "edge-box" && batch.identity.labels == ["site": "lab"])
    }

    @Test func anExporterThatDoesNotNameItsMachineNeedsAMachineID() async throws {
        let agent = try ScrapeAgent(
            configuration: CollectorConfiguration(dataDirectory: Fixture.temporaryDirectory()),
            fetcher: CannedFetcher(["node_load1 1\n"]))
        #expect(await agent.scrapeOnce() == nil)
        #expect(agent.buffer.depth == 0)
    }

    @Test(arguments: [
        ("http://127.0.0.1:9100/metrics", "127.0.0.1", 9100, "/metrics"),
        ("http://node-1:9100", "node-1", 9100, "/metrics"),
        ("http://[::1]:9100/m", "::1", 9100, "/m"),
        ("http://exporter/metrics?x=1", "exporter", 80, "/metrics?x=1"),
    ])
    func targets(url: String, host: String, port: Int, path: String) throws {
        let target = try ScrapeTarget(url: url)
        #expect((target.host, target.port, target.path) == (host, port, path))
    }

    @Test(arguments: ["https://a:1/metrics", "ftp://x", "http://:9100/", "http://a:0/", "http://a:port/", "http://[::1/", "http://[::1]x/"])
    func badTargetsAreRefusedWithTheExpectedForm(url: String) {
        #expect(throws: ScrapeFailure.self) { try ScrapeTarget(url: url) }
    }
}
