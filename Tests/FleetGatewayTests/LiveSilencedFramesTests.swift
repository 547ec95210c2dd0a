import FleetCore
import FleetProto
import Foundation
import Testing

@testable import FleetFanout
@testable import FleetGateway

/// Live frames show silences as REST does: alert messages carry `silenced_by`, overview rows a `silenced` count.
@Suite struct LiveSilencedFramesTests {
    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func alertFramesNameTheSilencesAndOverviewRowsCountSilencedAlertsApart() throws {
        let hub = LiveHub()
        hub.apply(
            .with {
                $0.machine = .with {
                    $0.machineID = "web-1"
                    $0.hostname = "web-1"
                }
                $0.timestampMs = 1_000
            })
        let transition = Fleetwatch_V1_AlertTransition.with {
            $0.ruleID = "r1"
            $0.ruleName = "cpu high"
            $0.machineID = "web-1"
            $0.to = .firing
            $0.severity = .critical
            $0.atMs = 1_000
        }
        hub.apply(transition)
        hub.applySilences([
            Silence(
                id: "s1", matchers: [try LabelMatcher(parsing: "machine=web-1")], startsAtMs: 0, endsAtMs: 60_000,
                createdBy: "test", comment: "", createdAtMs: 0)
        ])
        var update = LiveUpdate()
        update.topic = .fleet
        update.machines = hub.machines()
        update.alerts = [transition]
        let alertsOf = { hub.alerts(of: $0, atMs: 2_000) }
        let silencedBy = { hub.silencedBy($0, atMs: 2_000) }

        let classic = try LiveMessage.frames(
            for: update, nowMs: 2_000, thresholds: .init(), alertsOf: alertsOf, silencedBy: silencedBy)
        let machine = try #require((try object(classic[0])["machines"] as? [[String: Any]])?.first)
        let counts = try #require(machine["alerts"] as? [String: Any])
        #expect(counts["firing"] as? Int == 0 && counts["silenced"] as? Int == 1 && counts["worst"] is NSNull)
        let alert = try #require(try object(classic[1])["alert"] as? [String: Any])
        #expect(alert["silenced_by"] as? [String] == ["s1"])

        let overview = try LiveMessage.frames(
            for: update, nowMs: 2_000, thresholds: .init(), alertsOf: alertsOf, silencedBy: silencedBy,
            format: .overview(interval: .seconds(1)))
        let row = try #require((try object(overview[0])["rows"] as? [[String: Any]])?.first)
        #expect(row["firing"] as? Int == 0 && row["silenced"] as? Int == 1 && row["worst"] is NSNull)
        let bundled = try #require((try object(overview[1])["alerts"] as? [[String: Any]])?.first)
        #expect(bundled["silenced_by"] as? [String] == ["s1"])
    }
}
