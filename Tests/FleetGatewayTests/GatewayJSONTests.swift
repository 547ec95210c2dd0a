import FleetCore
import FleetProto
import Foundation
import Testing

@testable import FleetFanout
@testable import FleetGateway

/// What the gateway sends is always JSON, whatever numbers it holds: non-finite ones are written as null.
@Suite struct GatewayJSONTests {
    struct Reading: Encodable {
        var name: String
        var value: Double
        var values: [Double]
        var optional: Double?
    }

    func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func nonFiniteNumbersAreWrittenAsNull() throws {
        let data = try GatewayJSON.encode(
            Reading(name: "x", value: .infinity, values: [1.5, -.infinity, .nan], optional: .nan),
            formatting: [.sortedKeys])
        #expect(String(decoding: data, as: UTF8.self) == #"{"name":"x","optional":null,"value":null,"values":[1.5,null,null]}"#)
    }

    @Test func finiteValuesAndLookalikeStringsAreUntouched() throws {
        // A sender cannot forge the marker: it is random per call, so a string that looks like one stays a string.
        let lookalike = "fleetwatch-nonfinite-00000000-0000-0000-0000-000000000000"
        let body = try object(
            GatewayJSON.encode(Reading(name: lookalike, value: .nan, values: [1e300], optional: nil), formatting: []))
        #expect(body["name"] as? String == lookalike)
        #expect(body["value"] is NSNull)
        #expect(body["values"] as? [Double] == [1e300])
    }

    /// The live view checks values (`LastValueCache`), but if one ever held an Inf the fleet WebSocket used to
    /// send nothing after "hello": the frames could not be encoded.
    @Test func liveFramesEncodeAMachineHoldingNonFiniteValues() throws {
        let cpu = LiveSample(metric: MetricName.cpuUsagePercent, labels: ["cpu": "total"], value: .infinity, timeMs: 1)
        let load = LiveSample(metric: MetricName.load1m, labels: [:], value: .nan, timeMs: 1)
        let machine = LiveMachine(
            identity: .with { $0.machineID = "m1" }, lastSeenMs: 1, series: [cpu.series: cpu, load.series: load],
            processes: .with { $0.byCpu = [.with { $0.cpuPercent = .infinity }] })
        var update = LiveUpdate()
        update.topic = .machine("m1")
        update.isSnapshot = true
        update.machines = [machine]
        update.samples = machine.latest
        update.processes = machine.processes
        let frames = try LiveMessage.frames(
            for: update, nowMs: 1, thresholds: .init(staleAfter: .seconds(15), offlineAfter: .seconds(60)),
            alertsOf: { _ in MachineAlerts() })
        #expect(frames.count == 3)
        let machines = try #require(try object(Data(frames[0].utf8))["machines"] as? [[String: Any]])
        let summary = try #require(machines.first?["summary"] as? [String: Any])
        #expect(summary["cpu_percent"] is NSNull && summary["load_1m"] is NSNull)
        let samples = try #require(try object(Data(frames[1].utf8))["samples"] as? [[String: Any]])
        #expect(samples.allSatisfy { $0["value"] is NSNull })
    }
}
