import FleetStore
import Foundation

/// GET /api/v1/machines/{id}/history.
struct HistoryView: Encodable {
    struct Point: Encodable {
        var t: Int64
        var avg: Double
        var min: Double
        var max: Double
        var count: Int
    }

    var machineID: String
    var metric: String
    var labels: [String: String]
    var fromMs: Int64
    var toMs: Int64
    var resolution: String
    var stepSeconds: Int64?
    var points: [Point]

    init(machineID: String, query: HistoryQuery, history: MetricHistory) {
        self.machineID = machineID
        metric = query.metric
        labels = query.labels
        fromMs = Self.milliseconds(query.from)
        toMs = Self.milliseconds(query.to)
        resolution = history.resolution.rawValue
        stepSeconds = history.step.map { $0.components.seconds }
        points = history.points.map {
            Point(t: Self.milliseconds($0.time), avg: $0.average, min: $0.min, max: $0.max, count: $0.count)
        }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(machineID, forKey: .machineID)
        try container.encode(metric, forKey: .metric)
        try container.encode(labels, forKey: .labels)
        try container.encode(fromMs, forKey: .fromMs)
        try container.encode(toMs, forKey: .toMs)
        try container.encode(resolution, forKey: .resolution)
        try container.encode(stepSeconds, forKey: .stepSeconds)
        try container.encode(points, forKey: .points)
    }

    enum CodingKeys: String, CodingKey {
        case machineID = "machine_id"
        case metric, labels
        case fromMs = "from_ms"
        case toMs = "to_ms"
        case resolution
        case stepSeconds = "step_s"
        case points
    }
}
