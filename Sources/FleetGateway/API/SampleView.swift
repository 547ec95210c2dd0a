import FleetCore
import FleetProto

/// One series' newest value.
struct SampleView: Encodable {
    var metric: String
    var labels: [String: String]
    var value: Double
    var t: Int64

    init(_ sample: LiveSample) {
        metric = sample.metric
        labels = sample.labels
        value = sample.value
        t = sample.timeMs
    }
}

/// Top processes of a machine at one moment.
struct ProcessesView: Encodable {
    struct Process: Encodable {
        var pid: Int32
        var name: String
        var user: String
        var cpuPercent: Double
        var rssBytes: UInt64

        enum CodingKeys: String, CodingKey {
            case pid, name, user
            case cpuPercent = "cpu_percent"
            case rssBytes = "rss_bytes"
        }
    }

    var t: Int64
    var byCPU: [Process]
    var byMemory: [Process]

    init(_ snapshot: Fleetwatch_V1_ProcessSnapshot) {
        func view(_ info: Fleetwatch_V1_ProcessInfo) -> Process {
            Process(pid: info.pid, name: info.name, user: info.user, cpuPercent: info.cpuPercent, rssBytes: info.rssBytes)
        }
        t = snapshot.timestampMs
        byCPU = snapshot.byCpu.map(view)
        byMemory = snapshot.byMemory.map(view)
    }

    enum CodingKeys: String, CodingKey {
        case t
        case byCPU = "by_cpu"
        case byMemory = "by_memory"
    }
}

/// GET /api/v1/machines/{id}.
struct MachineDetailView: Encodable {
    var machine: MachineView
    var latest: [SampleView]
    var processes: ProcessesView?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(machine, forKey: .machine)
        try container.encode(latest, forKey: .latest)
        try container.encode(processes, forKey: .processes)  // null, not absent, until a snapshot arrived
    }

    enum CodingKeys: String, CodingKey { case machine, latest, processes }
}
