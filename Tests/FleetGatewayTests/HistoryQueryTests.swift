import FleetGateway
import Foundation
import Testing

@Suite struct HistoryQueryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func parse(_ query: [String: [String]]) throws(APIError) -> HistoryQuery {
        try HistoryQuery.parse({ query[$0] ?? [] }, now: now)
    }

    func failure(_ query: [String: [String]]) -> APIError? {
        do {
            _ = try parse(query)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsToTheLastHourWithoutAStep() throws {
        let query = try parse(["metric": ["cpu.usage_percent"], "label": ["cpu:total"]])
        #expect(query.labels == ["cpu": "total"])
        #expect(query.to == now)
        #expect(query.from == now.addingTimeInterval(-3600))
        #expect(query.step == nil)
    }

    @Test func rangeStepAndExplicitTimes() throws {
        let ranged = try parse(["metric": ["load.1m"], "range": ["7d"], "step": ["1h"]])
        #expect(now.timeIntervalSince(ranged.from) == 7 * 86_400)
        #expect(ranged.step == .seconds(3600))
        let explicit = try parse([
            "metric": ["load.1m"], "from": ["2026-11-27T10:00:00Z"], "to": ["1795860000000"],
        ])
        #expect(explicit.from == ISO8601DateFormatter().date(from: "2026-11-27T10:00:00Z"))
        #expect(explicit.to == Date(timeIntervalSince1970: 1_795_860_000))
        let fractional = try parse(["metric": ["load.1m"], "from": ["2026-11-27T10:00:00.250Z"], "to": ["2026-11-27T11:00:00Z"]])
        #expect(fractional.from.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) == 0.25)
    }

    @Test func aLabelValueMayContainColons() throws {
        #expect(try parse(["metric": ["disk.used_percent"], "label": ["mount:/mnt/a:b"]]).labels == ["mount": "/mnt/a:b"])
    }

    @Test(arguments: [
        ([:], "metric"),
        (["metric": ["cpu.bogus"]], "metric"),
        (["metric": ["load.1m", "load.5m"]], "metric"),
        (["metric": ["load.1m"], "label": ["cpu"]], "label"),
        (["metric": ["load.1m"], "label": [":x"]], "label"),
        (["metric": ["load.1m"], "label": ["a:1", "a:2"]], "label"),
        (["metric": ["load.1m"], "range": ["forever"]], "range"),
        (["metric": ["load.1m"], "range": ["0s"]], "range"),
        (["metric": ["load.1m"], "range": ["401d"]], "range"),
        (["metric": ["load.1m"], "from": ["yesterday"]], "from"),
        (["metric": ["load.1m"], "to": ["2026-13-45"]], "to"),
        (["metric": ["load.1m"], "from": ["1800000000000"], "to": ["1790000000000"]], "from"),
        (["metric": ["load.1m"], "step": ["0s"]], "step"),
        (["metric": ["load.1m"], "step": ["500ms"]], "step"),
        (["metric": ["load.1m"], "step": ["fast"]], "step"),
        (["metric": ["load.1m"], "range": ["30d"], "step": ["1s"]], "step"),
    ] as [([String: [String]], String)])
    func refusesWithTheParameterAtFault(query: [String: [String]], parameter: String) {
        let error = failure(query)
        #expect(error?.status == .badRequest)
        #expect(error?.parameter == parameter)
        #expect(error?.message.isEmpty == false)
    }
}
