import FleetCore
import FleetFanout
import FleetProto
import GRPCCore

/// monitoring.MetricsService, the original contract, served as-is over the live view.
public struct MonitoringMetricsService: Monitoring_MetricsService.SimpleServiceProtocol {
    let hub: LiveHub
    let thresholds: MachineStatus.Thresholds
    let now: @Sendable () -> Int64

    public init(hub: LiveHub, thresholds: MachineStatus.Thresholds, now: @escaping @Sendable () -> Int64) {
        self.hub = hub
        self.thresholds = thresholds
        self.now = now
    }

    /// Every mapped sample of the machine as it arrives; with `interval_seconds` > 0 at most one round per
    /// interval, carrying the newest value of each series (the subscription coalesces in between).
    public func streamMetrics(
        request: Monitoring_MetricsRequest, response: RPCWriter<Monitoring_Metric>, context: ServerContext
    ) async throws {
        guard !request.machineID.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "machine_id is required")
        }
        guard request.intervalSeconds >= 0, request.intervalSeconds <= 3600 else {
            throw RPCError(code: .invalidArgument, message: "interval_seconds must be between 0 and 3600")
        }
        let interval = Duration.seconds(Int64(request.intervalSeconds))
        let id = request.machineID
        try await LiveLookup.follow(.machine(id), in: hub) { update in
            let metrics = update.samples.compactMap { MonitoringMapping.metric(machineID: id, $0) }
            if !metrics.isEmpty { try await response.write(contentsOf: metrics) }
            if interval > .zero { try await Task.sleep(for: interval) }
        }
    }

    public func getCurrentState(
        request: Monitoring_StateRequest, context: ServerContext
    ) async throws -> Monitoring_MachineState {
        let machine = try LiveLookup.machine(request.machineID, in: hub)
        return .with {
            $0.machineID = machine.machineID
            $0.lastSeen = machine.lastSeenMs
            $0.currentMetrics = machine.latest.compactMap { MonitoringMapping.metric(machineID: machine.machineID, $0) }
            $0.health = MonitoringMapping.health(machine.status(nowMs: now(), thresholds: thresholds))
        }
    }
}
