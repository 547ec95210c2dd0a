import FleetCore
import FleetProto
import Testing

@testable import FleetFanout
@testable import FleetGateway

/// GET /api/v1/machines's filters: what each parameter admits, and a clear 400 naming the parameter for bad input.
@Suite struct MachineQueryTests {
    let thresholds = MachineStatus.Thresholds(staleAfter: .seconds(15), offlineAfter: .seconds(60), silentAfter: .seconds(3600))
    let now: Int64 = 10_000_000

    func parse(_ query: [String: [String]]) throws(APIError) -> MachineQuery {
        try MachineQuery.parse { query[$0] ?? [] }
    }

    func failure(_ query: [String: [String]]) -> APIError? {
        do {
            _ = try parse(query)
            return nil
        } catch {
            return error
        }
    }

    func machine(_ id: String, host: String = "", labels: [String: String] = [:], silentFor seconds: Int64 = 0) -> LiveMachine {
        LiveMachine(
            identity: .with {
                $0.machineID = id
                $0.hostname = host
                $0.labels = labels
            }, lastSeenMs: now - seconds * 1000)
    }

    func admitted(_ query: [String: [String]], _ machines: [LiveMachine], alerts: [String: MachineAlerts] = [:]) throws
        -> [String]
    {
        let parsed = try parse(query)
        return machines.filter {
            parsed.matches($0, nowMs: now, thresholds: thresholds, alerts: alerts[$0.machineID] ?? MachineAlerts())
        }.map(\.machineID)
    }

    @Test func withoutParametersEveryMachineIsListed() throws {
        let machines = [
            machine("a"), machine("silent", silentFor: 7200), machine("sim", labels: [SyntheticMachine.label: "loadgen"]),
        ]
        #expect(try admitted([:], machines) == ["a", "silent", "sim"])
        #expect(try parse([:]).limit == nil)
    }

    @Test func searchMatchesNameOrIdIgnoringCase() throws {
        let machines = [machine("m-1", host: "Web-01"), machine("DB-7", host: "db"), machine("x", host: "cache")]
        #expect(try admitted(["q": ["web"]], machines) == ["m-1"])
        #expect(try admitted(["q": ["db-7"]], machines) == ["DB-7"])
    }

    @Test func statusAlertingAndLabels() throws {
        let machines = [
            machine("on", labels: ["env": "prod"]), machine("stale", labels: ["env": "dev"], silentFor: 20),
            machine("off", labels: ["env": "prod", "role": "db"], silentFor: 120),
        ]
        #expect(try admitted(["status": ["stale,offline"]], machines) == ["stale", "off"])
        #expect(try admitted(["label": ["env=prod"]], machines) == ["on", "off"])
        #expect(try admitted(["label": ["env=prod", "role"]], machines) == ["off"])
        var firing = MachineAlerts()
        firing.firing = 1
        #expect(try admitted(["alerting": ["true"]], machines, alerts: ["stale": firing]) == ["stale"])
        #expect(try admitted(["alerting": ["false"]], machines, alerts: ["stale": firing]) == ["on", "off"])
    }

    @Test func silentAndSyntheticCanBeHiddenOrAskedFor() throws {
        let machines = [
            machine("a"), machine("quiet", silentFor: 3600), machine("probe", labels: [Probe.label: "ci"]),
            machine("sim", labels: [SyntheticMachine.label: "loadgen"]),
        ]
        #expect(try admitted(["silent": ["hide"], "synthetic": ["hide"]], machines) == ["a"])
        #expect(try admitted(["silent": ["only"]], machines) == ["quiet"])
        #expect(try admitted(["synthetic": ["only"]], machines) == ["probe", "sim"])
    }

    @Test func badInputNamesTheParameter() {
        #expect(failure(["status": ["up"]])?.parameter == "status")
        #expect(failure(["alerting": ["yes"]])?.parameter == "alerting")
        #expect(failure(["label": ["=prod"]])?.parameter == "label")
        #expect(failure(["silent": ["maybe"]])?.parameter == "silent")
        #expect(failure(["limit": ["0"]])?.parameter == "limit")
        #expect(failure(["limit": ["10001"]])?.parameter == "limit")
        #expect(failure(["offset": ["-1"]])?.parameter == "offset")
        #expect(failure(["q": ["a", "b"]])?.parameter == "q")
        #expect(failure(["limit": ["10000"], "offset": ["20"]]) == nil)
    }
}
