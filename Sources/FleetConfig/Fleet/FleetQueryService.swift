import FleetCore
import FleetFanout
import FleetProto
import GRPCCore
import ServiceLifecycle

/// fleetwatch.v1.FleetQuery over the live view: what `fleetwatch machines` and `fleetwatch tail` ask.
public struct FleetQueryService: Fleetwatch_V1_FleetQuery.SimpleServiceProtocol {
    let hub: LiveHub
    let retirement: MachineRetirement
    let thresholds: MachineStatus.Thresholds
    let now: @Sendable () -> Int64

    public init(
        hub: LiveHub, retirement: MachineRetirement, thresholds: MachineStatus.Thresholds,
        now: @escaping @Sendable () -> Int64
    ) {
        self.hub = hub
        self.retirement = retirement
        self.thresholds = thresholds
        self.now = now
    }

    public func listMachines(
        request: Fleetwatch_V1_ListMachinesRequest, context: ServerContext
    ) async throws -> Fleetwatch_V1_ListMachinesResponse {
        let nowMs = now()
        return .with {
            $0.nowMs = nowMs
            $0.machines = hub.machines().map { Fleetwatch_V1_Machine($0, nowMs: nowMs, thresholds: thresholds) }
        }
    }

    public func getMachine(
        request: Fleetwatch_V1_GetMachineRequest, context: ServerContext
    ) async throws -> Fleetwatch_V1_MachineDetail {
        let machine = try LiveLookup.machine(request.machineID, in: hub)
        return .with {
            $0.machine = Fleetwatch_V1_Machine(machine, nowMs: now(), thresholds: thresholds)
            $0.latest = machine.latest.map { Fleetwatch_V1_Sample($0) }
            if let processes = machine.processes { $0.processes = processes }
        }
    }

    public func retireMachine(
        request: Fleetwatch_V1_RetireMachineRequest, context: ServerContext
    ) async throws -> Fleetwatch_V1_RetireMachineResponse {
        try await retirement.retire(request.machineID)
    }

    public func watch(
        request: Fleetwatch_V1_WatchRequest, response: RPCWriter<Fleetwatch_V1_WatchEvent>, context: ServerContext
    ) async throws {
        let wanted = Set(request.metrics)
        try await LiveLookup.follow(
            request.machineID.isEmpty ? .fleet : .machine(request.machineID), in: hub
        ) { update in
            var events: [Fleetwatch_V1_WatchEvent] = update.notices.map { notice in .with { $0.notice = notice } }
            for machine in update.retired { events.append(.with { $0.notice = "machine '\(machine)' retired" }) }
            let nowMs = now()
            for machine in update.machines {
                events.append(.with { $0.machine = Fleetwatch_V1_Machine(machine, nowMs: nowMs, thresholds: thresholds) })
            }
            let samples = update.samples.filter { wanted.isEmpty || wanted.contains($0.metric) }
            if !samples.isEmpty {
                events.append(
                    .with {
                        $0.samples = .with {
                            $0.machineID = request.machineID
                            $0.samples = samples.map { Fleetwatch_V1_Sample($0) }
                        }
                    })
            }
            if let processes = update.processes { events.append(.with { $0.processes = processes }) }
            try await response.write(contentsOf: events)
        }
    }
}

/// What both gRPC services need from the live view.
enum LiveLookup {
    static func machine(_ id: String, in hub: LiveHub) throws -> LiveMachine {
        guard !id.isEmpty else { throw RPCError(code: .invalidArgument, message: "machine_id is required") }
        guard let machine = hub.machine(id) else { throw RPCError(code: .notFound, message: "no machine '\(id)'") }
        return machine
    }

    /// Streams coalesced updates of `topic` to `deliver` until the client goes away or the process stops
    /// (then the stream ends with OK, so clients see a clean end rather than an error).
    static func follow(_ topic: LiveTopic, in hub: LiveHub, deliver: @escaping @Sendable (LiveUpdate) async throws -> Void) async throws {
        let subscription = hub.subscribe()
        defer { subscription.cancel() }
        subscription.follow(topic)
        do {
            try await cancelWhenGracefulShutdown {
                for await update in subscription.updates {
                    try await deliver(update)
                }
            }
        } catch is CancellationError {
            // Client gone or the process stopping.
        }
    }
}
