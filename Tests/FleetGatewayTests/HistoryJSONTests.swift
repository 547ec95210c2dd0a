import FleetStore
import Foundation
import Testing

@testable import FleetGateway

/// The history answer is written by hand; it must be the JSON `JSONEncoder` writes for the same view.
@Suite struct HistoryJSONTests {
    func view(step: Duration?, labels: [String: String], points: [HistoryPoint]) -> HistoryView {
        let query = HistoryQuery(
            metric: "net.rx_bytes_per_second", labels: labels, from: Date(timeIntervalSince1970: 1_800_000_000),
            to: Date(timeIntervalSince1970: 1_800_003_600), step: step)
        return HistoryView(
            machineID: "web-1", query: query,
            history: MetricHistory(resolution: step == nil ? .raw : .minute, step: step, points: points))
    }

    func parsed(_ text: String) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
    }

    @Test(arguments: [Duration?.none, .seconds(60)])
    func handWrittenEqualsEncoded(step: Duration?) throws {
        let points = [
            HistoryPoint(time: Date(timeIntervalSince1970: 1_800_000_000), min: 0.5, max: 1e21, sum: 3, count: 2),
            HistoryPoint(time: Date(timeIntervalSince1970: 1_800_000_060.5), min: -2, max: 7.25, sum: 100, count: 3),
            HistoryPoint(time: Date(timeIntervalSince1970: 1_800_000_120), min: .infinity, max: 0, sum: 0, count: 0),
        ]
        let history = view(step: step, labels: ["iface": "eth0", "quote\"back\\slash": "tab\tline\nend/é"], points: points)
        let encoded = try GatewayJSON.encode(history, formatting: [.sortedKeys, .withoutEscapingSlashes])
        let expected = try #require(try JSONSerialization.jsonObject(with: encoded) as? NSDictionary)
        #expect(try parsed(history.json) == expected)
        // Same keys in the same order, so a reader of the raw text sees no difference either.
        let keys = #/"([a-z_]+)":/#
        #expect(
            history.json.matches(of: keys).map(\.output.1)
                == String(decoding: encoded, as: UTF8.self).matches(of: keys).map(\.output.1))
    }
}
