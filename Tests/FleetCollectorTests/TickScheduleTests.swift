import FleetCore
import FleetSettings
import Testing

@testable import FleetCollector

@Suite("Tick schedule, control and endpoint")
struct TickScheduleTests {
    @Test func deadlinesStayOnTheGridWhateverTheTickCost() {
        let start = ContinuousClock.now
        var schedule = TickSchedule(firstDeadline: start)
        // The tick at t=0 took 0.3 s: the next is still due at 5 s, not 5.3 s.
        var next = schedule.nextDeadline(interval: .seconds(5), now: start.advanced(by: .milliseconds(300)))
        #expect(next == start.advanced(by: .seconds(5)))
        schedule.ticked(at: next)
        // Woke late by 0.2 s: the following deadline is 10 s, not 10.2 s.
        next = schedule.nextDeadline(interval: .seconds(5), now: start.advanced(by: .milliseconds(5200)))
        #expect(next == start.advanced(by: .seconds(10)))
    }

    @Test func aLongStallSkipsMissedTicks() {
        let start = ContinuousClock.now
        let schedule = TickSchedule(firstDeadline: start)
        let now = start.advanced(by: .seconds(60))
        #expect(schedule.nextDeadline(interval: .seconds(5), now: now) == now)
    }

    @Test func controlAcceptsIntervalsFromOneSecondToAnHour() {
        let control = CollectorControl(interval: .seconds(5))
        #expect(!control.setInterval(seconds: 0))
        #expect(!control.setInterval(seconds: 3601))
        #expect(control.interval == .seconds(5))
        #expect(control.setInterval(seconds: 1))
        #expect(control.interval == .seconds(1))
        #expect(!control.takeProcessSnapshotRequest())
        control.requestProcessSnapshot()
        #expect(control.takeProcessSnapshotRequest())
        #expect(!control.takeProcessSnapshotRequest())
    }

    @Test func endpointParsing() throws {
        #expect(try IngestEndpoint(url: "http://127.0.0.1:7070") == IngestEndpoint(host: "127.0.0.1", port: 7070))
        #expect(
            try IngestEndpoint(url: "https://ingest.example.com/")
                == IngestEndpoint(host: "ingest.example.com", port: 7070, usesTLS: true))
        #expect(try IngestEndpoint(url: "http://[::1]:9000") == IngestEndpoint(host: "::1", port: 9000))
        let error = #expect(throws: IngestEndpointError.self) { try IngestEndpoint(url: "127.0.0.1:7070") }
        #expect(
            error?.description == "FLEETWATCH_INGEST_URL: expected http://host:port or https://host:port, got '127.0.0.1:7070'")
        #expect(throws: IngestEndpointError.self) { try IngestEndpoint(url: "http://host:99999") }
        #expect(throws: IngestEndpointError.self) { try IngestEndpoint(url: "http://host:1/path") }
    }

    @Test func rejectionMessages() {
        #expect(BatchRejection.rejectedSequence(inMessage: "batch 42: reading key missing") == 42)
        #expect(BatchRejection.rejectedSequence(inMessage: "batch x: no") == nil)
        #expect(BatchRejection.rejectedSequence(inMessage: "batch 42 no colon") == nil)
        #expect(BatchRejection.rejectedSequence(inMessage: "bad token") == nil)
    }

    @Test func configurationValidation() {
        var configuration = CollectorConfiguration(dataDirectory: "/tmp/x")
        #expect(throws: Never.self) { try configuration.validate() }
        configuration.interval = .milliseconds(500)
        let error = #expect(throws: ConfigError.self) { try configuration.validate() }
        #expect(error?.setting == "FLEETWATCH_INTERVAL")
        configuration.interval = .seconds(5)
        configuration.machineIDOverride = "a.b"
        #expect(throws: MachineIDError.self) { try configuration.validate() }
    }
}
