import FleetCore

/// A machine as the API and the live socket show it (docs/api.md).
struct MachineView: Encodable {
    var machineID: String
    var hostname: String
    var os: String
    var kernel: String
    var cores: Int
    var agentVersion: String
    var labels: [String: String]
    var status: MachineStatus
    var lastSeenMs: Int64
    var summary: MachineSummary

    init(_ machine: LiveMachine, nowMs: Int64, thresholds: MachineStatus.Thresholds) {
        machineID = machine.machineID
        hostname = machine.identity.hostname
        os = machine.identity.os
        kernel = machine.identity.kernel
        cores = Int(machine.identity.cpuCores)
        agentVersion = machine.identity.agentVersion
        labels = machine.identity.labels
        status = machine.status(nowMs: nowMs, thresholds: thresholds)
        lastSeenMs = machine.lastSeenMs
        summary = machine.summary
    }

    enum CodingKeys: String, CodingKey {
        case machineID = "machine_id"
        case hostname, os, kernel, cores
        case agentVersion = "agent_version"
        case labels, status
        case lastSeenMs = "last_seen_ms"
        case summary
    }
}

/// GET /api/v1/machines.
struct MachineListView: Encodable {
    var nowMs: Int64
    var staleAfterSeconds: Int64
    var offlineAfterSeconds: Int64
    var machines: [MachineView]

    enum CodingKeys: String, CodingKey {
        case nowMs = "now_ms"
        case staleAfterSeconds = "stale_after_s"
        case offlineAfterSeconds = "offline_after_s"
        case machines
    }
}
