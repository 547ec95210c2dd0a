import FleetCore
import FleetProto
import Foundation
import Testing

@testable import FleetFanout
@testable import FleetGateway

/// The overview subscription of /api/v1/live: what a browser may ask for, and the compact rows it gets.
@Suite struct LiveOverviewTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func requestsChooseTopicFormatAndInterval() throws {
        #expect(try LiveMessage.request(from: #"{"subscribe":"fleet"}"#).get() == LiveRequest(topic: .fleet))
        #expect(
            try LiveMessage.request(from: #"{"subscribe":"overview"}"#).get()
                == LiveRequest(topic: .fleet, format: .overview(interval: .seconds(1))))
        #expect(
            try LiveMessage.request(from: #"{"subscribe":"overview","interval_ms":2500}"#).get().format.pause
                == .milliseconds(2500))
        #expect(try LiveMessage.request(from: #"{"subscribe":"machine","machine_id":"m1"}"#).get().format.pause == nil)
        #expect(throws: LiveRequestError.self) { try LiveMessage.request(from: #"{"subscribe":"overview","interval_ms":5}"#).get() }
        #expect(throws: LiveRequestError.self) { try LiveMessage.request(from: #"{"subscribe":"everything"}"#).get() }
        #expect(throws: LiveRequestError.self) { try LiveMessage.request(from: "not json").get() }
    }

    @Test func overviewFramesCarryCompactRowsAndBundleAlerts() throws {
        let cpu = LiveSample(metric: MetricName.cpuUsagePercent, labels: ["cpu": "total"], value: 42, timeMs: 1_000)
        let machine = LiveMachine(
            identity: .with {
                $0.machineID = "sim-1"
                $0.hostname = "sim-1.sim"
                $0.labels = [SyntheticMachine.label: "loadgen", "env": "prod"]
            }, lastSeenMs: 1_000, series: [cpu.series: cpu])
        var update = LiveUpdate()
        update.topic = .fleet
        update.isSnapshot = true
        update.machines = [machine]
        update.alerts = [
            .with {
                $0.machineID = "sim-1"
                $0.to = .firing
            },
            .with {
                $0.machineID = "sim-1"
                $0.to = .pending
            },
        ]
        var alerts = MachineAlerts()
        alerts.firing = 1
        let frames = try LiveMessage.frames(
            for: update, nowMs: 3_000, thresholds: .init(), alertsOf: { _ in alerts },
            format: .overview(interval: .seconds(1)))
        #expect(frames.count == 2)
        let overview = try object(frames[0])
        #expect(overview["type"] as? String == "overview" && overview["snapshot"] as? Bool == true)
        let row = try #require((overview["rows"] as? [[String: Any]])?.first)
        #expect(row["id"] as? String == "sim-1" && row["name"] as? String == "sim-1.sim")
        #expect(row["status"] as? String == "online" && row["synthetic"] as? Bool == true && row["silent"] as? Bool == false)
        #expect(row["cpu"] as? Double == 42 && row["firing"] as? Int == 1 && row["mem"] == nil)
        let bundled = try object(frames[1])
        #expect(bundled["type"] as? String == "alerts" && (bundled["alerts"] as? [Any])?.count == 2)

        // Hand-written JSON: any hostname or label survives the round trip, a non-finite number is null.
        let hostile = "a\"b\\c\n\u{01}é <img src=x>"
        let odd = LiveMachine(
            identity: .with {
                $0.machineID = "odd"
                $0.hostname = hostile
                $0.labels = ["k\"": hostile]
            }, lastSeenMs: 1_000,
            series: [cpu.series: LiveSample(metric: cpu.metric, labels: cpu.labels, value: .infinity, timeMs: 1_000)])
        var oddUpdate = LiveUpdate()
        oddUpdate.topic = .fleet
        oddUpdate.machines = [odd]
        let oddFrame = try object(
            try #require(
                try LiveMessage.frames(
                    for: oddUpdate, nowMs: 3_000, thresholds: .init(), alertsOf: { _ in MachineAlerts() },
                    format: .overview(interval: .seconds(1))
                ).first))
        let oddRow = try #require((oddFrame["rows"] as? [[String: Any]])?.first)
        #expect(oddRow["name"] as? String == hostile && (oddRow["labels"] as? [String: String]) == ["k\"": hostile])
        #expect(oddRow["cpu"] is NSNull && oddFrame["snapshot"] as? Bool == false)

        // The same update as whole machines: one alert message each, as before.
        let classic = try LiveMessage.frames(for: update, nowMs: 3_000, thresholds: .init(), alertsOf: { _ in alerts })
        #expect(classic.count == 3)
        #expect(try object(classic[0])["type"] as? String == "machines")
    }
}
