import FleetCore
import FleetFanout
import FleetProto
import Foundation

/// The JSON messages of /api/v1/live (docs/api.md), both directions.
enum LiveMessage {
    /// What a browser sends: `{"subscribe":"fleet"}`, `{"subscribe":"overview","interval_ms":1000}` or
    /// `{"subscribe":"machine","machine_id":"…"}`.
    struct Request: Decodable {
        var subscribe: String
        var machineID: String?
        var intervalMs: Int?

        enum CodingKeys: String, CodingKey {
            case subscribe
            case machineID = "machine_id"
            case intervalMs = "interval_ms"
        }
    }

    /// The subscription a request asks for, or a reason why it is not understood.
    static func request(from text: String) -> Result<LiveRequest, LiveRequestError> {
        guard let request = try? JSONDecoder().decode(Request.self, from: Data(text.utf8)) else {
            return .failure(
                LiveRequestError(
                    #"send {"subscribe":"fleet"}, {"subscribe":"overview"} or {"subscribe":"machine","machine_id":"…"}"#))
        }
        switch request.subscribe {
        case "fleet":
            return .success(LiveRequest(topic: .fleet))
        case "overview":
            let range = LiveRequest.overviewIntervalRange
            guard let milliseconds = request.intervalMs else {
                return .success(LiveRequest(topic: .fleet, format: .overview(interval: LiveRequest.defaultOverviewInterval)))
            }
            guard range.contains(milliseconds) else {
                return .failure(
                    LiveRequestError("interval_ms must be \(range.lowerBound)...\(range.upperBound), got \(milliseconds)"))
            }
            return .success(LiveRequest(topic: .fleet, format: .overview(interval: .milliseconds(milliseconds))))
        case "machine":
            guard let id = request.machineID, !id.isEmpty else {
                return .failure(LiveRequestError("subscribe machine needs machine_id"))
            }
            return .success(LiveRequest(topic: .machine(id)))
        default:
            return .failure(
                LiveRequestError("unknown subscription '\(request.subscribe.prefix(40))'; use fleet, overview or machine"))
        }
    }

    struct Hello: Encodable {
        var type = "hello"
        var gateway: String
        var nowMs: Int64
        var staleAfterSeconds: Int64
        var offlineAfterSeconds: Int64
        var silentAfterSeconds: Int64

        enum CodingKeys: String, CodingKey {
            case type, gateway
            case nowMs = "now_ms"
            case staleAfterSeconds = "stale_after_s"
            case offlineAfterSeconds = "offline_after_s"
            case silentAfterSeconds = "silent_after_s"
        }
    }

    struct Machines: Encodable {
        var type = "machines"
        var nowMs: Int64
        var machines: [MachineView]

        enum CodingKeys: String, CodingKey {
            case type
            case nowMs = "now_ms"
            case machines
        }
    }

    struct Samples: Encodable {
        var type = "samples"
        var machineID: String
        var samples: [SampleView]

        enum CodingKeys: String, CodingKey {
            case type
            case machineID = "machine_id"
            case samples
        }
    }

    struct Processes: Encodable {
        var type = "processes"
        var machineID: String
        var processes: ProcessesView

        enum CodingKeys: String, CodingKey {
            case type
            case machineID = "machine_id"
            case processes
        }
    }

    struct Notice: Encodable {
        var type = "error"
        var error: String
    }

    struct AlertMessage: Encodable {
        var type = "alert"
        var alert: AlertView
    }

    /// The overview's alert transitions of one interval in one message.
    struct AlertsMessage: Encodable {
        var type = "alerts"
        var alerts: [AlertView]
    }

    /// A hop of the pipeline finished its work on a probe batch (`fleetwatch probe` follows these).
    /// `{"type": "retired", "machine_id": …}`: an operator retired the machine; views drop it.
    struct Retired: Encodable {
        var type = "retired"
        var machineID: String

        enum CodingKeys: String, CodingKey {
            case type
            case machineID = "machine_id"
        }
    }

    struct ProbeMessage: Encodable {
        var type = "probe"
        var machineID: String
        var sequence: UInt64
        var hop: String
        var sentMs: Int64
        var observedMs: Int64

        init(_ echo: Fleetwatch_V1_ProbeEcho) {
            machineID = echo.machineID
            sequence = echo.sequence
            hop = echo.hop
            sentMs = echo.sentMs
            observedMs = echo.observedMs
        }

        enum CodingKeys: String, CodingKey {
            case type, sequence, hop
            case machineID = "machine_id"
            case sentMs = "sent_ms"
            case observedMs = "observed_ms"
        }
    }

    /// The text frames that carry `update`, in the order a client applies them; the fleet's machines in `format`.
    /// `alertsOf` counts a machine's open alerts, `silencedBy` names the active silences that match an alert.
    static func frames(
        for update: LiveUpdate, nowMs: Int64, thresholds: MachineStatus.Thresholds,
        alertsOf: (String) -> MachineAlerts,
        silencedBy: (Fleetwatch_V1_AlertTransition) -> [String] = { _ in [] }, format: LiveRequest.Format = .machines
    ) throws -> [String] {
        let topic = update.topic
        var frames: [String] = []
        for notice in update.notices { frames.append(try encode(Notice(error: notice))) }
        if topic == .fleet, case .overview = format {
            if !update.machines.isEmpty || update.isSnapshot {
                frames.append(
                    OverviewJSON.message(
                        nowMs: nowMs, snapshot: update.isSnapshot,
                        rows: update.machines.map {
                            OverviewRow($0, nowMs: nowMs, thresholds: thresholds, alerts: alertsOf($0.machineID))
                        }))
            }
        } else if !update.machines.isEmpty || (update.isSnapshot && topic == .fleet) {
            frames.append(
                try encode(
                    Machines(
                        nowMs: nowMs,
                        machines: update.machines.map {
                            MachineView($0, nowMs: nowMs, thresholds: thresholds, alerts: alertsOf($0.machineID))
                        })))
        }
        if case .machine(let id) = topic {
            if !update.samples.isEmpty {
                frames.append(try encode(Samples(machineID: id, samples: update.samples.map { SampleView($0) })))
            }
            if let processes = update.processes {
                frames.append(try encode(Processes(machineID: id, processes: ProcessesView(processes))))
            }
        }
        if case .overview = format {
            if !update.alerts.isEmpty {
                frames.append(
                    try encode(AlertsMessage(alerts: update.alerts.map { AlertView($0, silencedBy: silencedBy($0)) })))
            }
        } else {
            for transition in update.alerts {
                frames.append(try encode(AlertMessage(alert: AlertView(transition, silencedBy: silencedBy(transition)))))
            }
        }
        for echo in update.probes { frames.append(try encode(ProbeMessage(echo))) }
        for machine in update.retired { frames.append(try encode(Retired(machineID: machine))) }
        return frames
    }

    /// Non-finite numbers are written as null (`GatewayJSON`), so no value can silence the feed.
    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try GatewayJSON.encode(value, formatting: [.withoutEscapingSlashes]), as: UTF8.self)
    }
}

struct LiveRequestError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
