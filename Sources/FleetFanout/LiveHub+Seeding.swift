import FleetCore
import FleetProto
import FleetStore
import Logging

extension LiveHub {
    /// Loads every known machine's identity, latest values and processes from history, so a freshly
    /// started reader shows machines that are silent now (offline) and has values before the next batch.
    /// Live data that arrived meanwhile is newer and wins.
    public func seed(from store: any MetricStore, logger: Logger) async throws {
        let machines = try await store.machines()
        for record in machines {
            let latest = try await store.latest(machine: record.machineID).map {
                LiveSample(
                    metric: $0.metric, labels: $0.labels, value: $0.value,
                    timeMs: Int64(($0.time.timeIntervalSince1970 * 1000).rounded()))
            }
            let processes = try await store.latestProcesses(machine: record.machineID)
            seed(
                identity: record.identity,
                lastSeenMs: Int64((record.lastSeen.timeIntervalSince1970 * 1000).rounded()),
                latest: latest, processes: processes)
        }
        logger.info("live view seeded from history", metadata: ["machines": "\(machines.count)"])
    }
}

extension LiveHub {
    /// Loads the open (pending and firing) alerts, so machines show their alerts before the next transition.
    public func seedAlerts(from store: any AlertStore, logger: Logger) async throws {
        let open = try await store.alerts(
            .with {
                $0.statuses = [.pending, .firing]
                $0.limit = 1000
            })
        for alert in open.reversed() {
            apply(
                .with {
                    $0.ruleID = alert.ruleID
                    $0.ruleName = alert.ruleName
                    $0.machineID = alert.machineID
                    $0.hostname = alert.hostname
                    $0.labels = alert.labels
                    $0.to = alert.status
                    $0.atMs = alert.updatedMs
                    if alert.hasValue { $0.value = alert.value }
                    $0.sequence = alert.sequence
                    $0.severity = alert.severity
                    $0.description_p = alert.description_p
                })
        }
        logger.info("open alerts loaded", metadata: ["alerts": "\(open.count)"])
    }
}

extension MachineRecord {
    /// The identity as it travels on the bus.
    public var identity: Fleetwatch_V1_MachineIdentity {
        .with {
            $0.machineID = machineID
            $0.hostname = hostname
            $0.os = os
            $0.kernel = kernel
            $0.cpuCores = Int32(clamping: cores)
            $0.agentVersion = agentVersion
            $0.labels = labels
        }
    }
}
