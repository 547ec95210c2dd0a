import FleetCore
import FleetFanout
import FleetProto
import Foundation
import Testing

@testable import FleetGateway

/// The REST and WebSocket shapes of rules and machines, byte for byte: the gateway writes FleetCore's JSON types
/// (what the CLI prints too), so a change there must not change a field name, an enum spelling or a null.
@Suite struct APIShapeTests {
    static let thresholds = MachineStatus.Thresholds(staleAfter: .seconds(15), offlineAfter: .seconds(60))

    /// As REST writes it (`JSONResponse`); the live socket's frames differ only in key order, which JSON leaves open.
    func text(_ value: some Encodable) throws -> String {
        String(decoding: try GatewayJSON.encode(value, formatting: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    func rule() -> Fleetwatch_V1_Rule {
        .with {
            $0.id = "r1"
            $0.name = "hot"
            $0.metric = MetricName.cpuUsagePercent
            $0.comparator = .greaterOrEqual
            $0.threshold = 90
            $0.resolveThreshold = 80
            $0.matchers = ["env": "prod"]
            $0.forSeconds = 30
            $0.severity = .critical
            $0.description_p = "CPU"
            $0.enabled = true
            $0.version = 3
            $0.createdMs = 1_000
            $0.updatedMs = 2_000
        }
    }

    @Test func aRuleIsWrittenWithSymbolsNamesAndNulls() throws {
        #expect(
            try text(RuleJSON(rule()))
                == #"{"comparator":">=","created_ms":1000,"description":"CPU","enabled":true,"for_seconds":30,"id":"r1","#
                + #""matchers":{"env":"prod"},"metric":"cpu.usage_percent","name":"hot","no_data_seconds":0,"#
                + #""resolve_threshold":80,"severity":"critical","threshold":90,"updated_ms":2000,"version":3}"#)
        var noData = rule()
        noData.noDataSeconds = 120
        noData.clearResolveThreshold()
        let written = try text(RuleJSON(noData))
        #expect(written.contains(#""comparator":null"#) && written.contains(#""resolve_threshold":null"#))
        #expect(written.contains(#""no_data_seconds":120"#))
    }

    @Test func aRuleBodyReadsTheWrittenShapeBack() throws {
        let written = Data(try text(RuleJSON(rule())).utf8)
        var expected = rule()
        expected.createdMs = 0  // the server's to set
        expected.updatedMs = 0
        #expect(try JSONDecoder().decode(RuleBody.self, from: written).rule() == expected)
    }

    @Test func aRuleBodyNamesTheFieldSpelledWrong() throws {
        let comparator = Data(#"{"name": "x", "comparator": "=>"}"#.utf8)
        #expect(throws: APIError.badParameter("comparator", "comparator must be >, >=, < or <= (got '=>')")) {
            try JSONDecoder().decode(RuleBody.self, from: comparator).rule()
        }
        let severity = Data(#"{"name": "x", "severity": "fatal"}"#.utf8)
        #expect(throws: APIError.badParameter("severity", "severity must be info, warning or critical (got 'fatal')")) {
            try JSONDecoder().decode(RuleBody.self, from: severity).rule()
        }
        // Only `name` is required; the rest has the defaults of a new rule.
        let minimal = try JSONDecoder().decode(RuleBody.self, from: Data(#"{"name": "x"}"#.utf8)).rule()
        #expect(
            minimal
                == .with {
                    $0.name = "x"
                    $0.enabled = true
                })
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RuleBody.self, from: Data("{}".utf8)) }
    }

    func machine() -> LiveMachine {
        let cpu = LiveSample(metric: MetricName.cpuUsagePercent, labels: ["cpu": "total"], value: 12.5, timeMs: 1)
        var machine = LiveMachine(
            identity: .with {
                $0.machineID = "m1"
                $0.hostname = "alpha"
                $0.os = "Linux"
                $0.kernel = "6.1"
                $0.cpuCores = 4
                $0.agentVersion = "1.0"
                $0.labels = [SyntheticMachine.label: "loadgen"]
            }, lastSeenMs: 10_000, series: [cpu.series: cpu])
        machine.refusedSeries = 2
        return machine
    }

    func alerts() -> MachineAlerts {
        var alerts = MachineAlerts()
        alerts.firing = 1
        alerts.pending = 2
        alerts.silenced = 3
        alerts.worst = .warning
        return alerts
    }

    static let machineFields =
        #"{"agent_version":"1.0","alerts":{"firing":1,"pending":2,"silenced":3,"worst":"warning"},"cores":4,"hostname":"alpha","#
        + #""kernel":"6.1","labels":{"synthetic":"loadgen"},"last_seen_ms":10000,"machine_id":"m1","os":"Linux","#
        + #""refused_series":2,"silent":false,"status":"stale","#
        + #""summary":{"cpu_percent":12.5,"disk_percent":null,"disk_read_bytes_per_s":null,"#
        + #""disk_write_bytes_per_s":null,"load_1m":null,"mem_percent":null,"net_recv_bytes_per_s":null,"#
        + #""net_sent_bytes_per_s":null},"synthetic":true}"#

    @Test func aLiveMachineIsWrittenWithItsAlertCountsAndFlags() throws {
        let view = MachineView(machine(), nowMs: 30_000, thresholds: Self.thresholds, alerts: alerts())
        #expect(try text(view) == Self.machineFields)
        let quiet = try text(MachineView(machine(), nowMs: 30_000, thresholds: Self.thresholds, alerts: MachineAlerts()))
        #expect(quiet.contains(#""alerts":{"firing":0,"pending":0,"silenced":0,"worst":null}"#))
    }

    @Test func aMachineFromGRPCLeavesOutWhatOnlyTheLiveViewKnows() throws {
        let machine = Fleetwatch_V1_Machine.with {
            $0.identity = self.machine().identity
            $0.status = .stale
            $0.lastSeenMs = 10_000
        }
        let written = try text(MachineJSON(machine))
        #expect(written.hasPrefix(#"{"agent_version":"1.0","cores":4,"hostname":"alpha","kernel":"6.1","#))
        #expect(written.contains(#""status":"stale""#))
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any]).keys
        #expect(Set(keys).isDisjoint(with: ["alerts", "silent", "synthetic", "refused_series"]))
        #expect(keys.count == 10)
    }
}
