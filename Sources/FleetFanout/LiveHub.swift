import FleetCore
import FleetProto
import FleetStore
import Synchronization

/// The live state of the fleet (a `LastValueCache`) and everyone following it. Batches from the fanout
/// queue go in through `apply`; each subscriber is told *what* changed (machine ids, series keys) and reads
/// the current values when it is ready, so a slow reader is coalesced to the newest values: its pending
/// work is bounded by the number of machines and series, never by how many batches it missed.
public final class LiveHub: Sendable {
    struct Pending {
        var topic: LiveTopic?
        var snapshot = false
        var machines: Set<String> = []
        var series: Set<SeriesKey> = []
        var processes = false
        var notices: [String] = []
        /// Newest transition per alert id, bounded like the rest.
        var alerts: [String: Fleetwatch_V1_AlertTransition] = [:]
        /// Probe echoes of the followed machine since the last update, bounded.
        var probes: [Fleetwatch_V1_ProbeEcho] = []
        /// Machines retired since the last update.
        var retired: Set<String> = []
        let signal: AsyncStream<Void>.Continuation

        /// Most alerts one update carries (a slow reader's backlog stays bounded).
        static let maxAlerts = 1_000

        /// Queues `transition` as the newest of its alert, unless the bound is reached by other alerts; false then.
        @discardableResult
        mutating func queue(alert id: String, _ transition: Fleetwatch_V1_AlertTransition) -> Bool {
            guard alerts.count < Self.maxAlerts || alerts[id] != nil else { return false }
            alerts[id] = transition
            return true
        }

        mutating func follow(_ topic: LiveTopic) {
            self.topic = topic
            snapshot = true
            machines = []
            series = []
            processes = false
        }
    }

    struct State {
        var cache: LastValueCache
        /// Open (pending or firing) alerts per machine: alert id → newest transition.
        var openAlerts: [String: [String: Fleetwatch_V1_AlertTransition]] = [:]
        var subscribers: [Int: Pending] = [:]
        var nextID = 0
        /// What this gateway saw of synthetic transactions (`fleetwatch probe`), for the pipeline panel.
        var probeLatencies = ProbeLatencies()
        /// When machines were retired: their batches received until then (still in flight) do not bring them back.
        var retiredAtMs: [String: Int64] = [:]
        /// The active silences as last read (`LiveSilenceFollower`): open alerts they match count as silenced.
        var silences: [Silence] = []
    }

    private let state: Mutex<State>

    public init(cache: LastValueCache = LastValueCache()) {
        state = Mutex(State(cache: cache))
    }

    /// Applies one batch from fleet.metrics and marks what it changed for every interested subscriber.
    public func apply(_ batch: Fleetwatch_V1_MetricBatch) {
        state.withLock { state in
            if let retiredAtMs = state.retiredAtMs[batch.machine.machineID] {
                guard SampleTime.seenMilliseconds(of: batch) > retiredAtMs else { return }
                state.retiredAtMs[batch.machine.machineID] = nil
            }
            guard let change = state.cache.apply(batch) else { return }
            for (id, var pending) in state.subscribers {
                switch pending.topic {
                case .fleet:
                    pending.machines.insert(change.machineID)
                case .machine(change.machineID):
                    pending.machines.insert(change.machineID)
                    pending.series.formUnion(change.series)
                    pending.processes = pending.processes || change.processes
                default:
                    continue
                }
                state.subscribers[id] = pending
                pending.signal.yield()
            }
        }
    }

    /// Applies an alert transition from fleet.events: tracks open alerts per machine and tells the fleet's and
    /// that machine's subscribers.
    public func apply(_ transition: Fleetwatch_V1_AlertTransition) {
        let id = AlertRecord.id(of: transition)
        state.withLock { state in
            var open = state.openAlerts[transition.machineID] ?? [:]
            if let current = open[id], current.atMs > transition.atMs { return }
            if transition.to == .pending || transition.to == .firing {
                open[id] = transition
            } else {
                open[id] = nil
            }
            state.openAlerts[transition.machineID] = open.isEmpty ? nil : open
            for (subscriber, var pending) in state.subscribers {
                switch pending.topic {
                case .fleet, .machine(transition.machineID):
                    guard pending.queue(alert: id, transition) else { continue }
                    pending.machines.insert(transition.machineID)
                default:
                    continue
                }
                state.subscribers[subscriber] = pending
                pending.signal.yield()
            }
        }
    }

    /// Retires a machine (fleet.events machines.<id>.retired): it leaves the live view with its open alerts, and its
    /// subscribers are told; a later batch of it brings it back.
    public func retire(_ machine: String, atMs: Int64) {
        state.withLock { state in
            state.retiredAtMs[machine] = max(atMs, state.retiredAtMs[machine] ?? 0)
            state.cache.remove(machine)
            state.openAlerts[machine] = nil
            for (id, var pending) in state.subscribers {
                switch pending.topic {
                case .fleet, .machine(machine):
                    pending.retired.insert(machine)
                    pending.machines.remove(machine)
                default:
                    continue
                }
                state.subscribers[id] = pending
                pending.signal.yield()
            }
        }
    }

    /// Applies a probe echo from fleet.events: records the hop's latency and passes the echo on to the
    /// subscribers of the probe machine (the probe itself follows its machine on a WebSocket).
    public func apply(_ echo: Fleetwatch_V1_ProbeEcho) {
        guard let hop = ProbeHop(rawValue: echo.hop),
            let latency = Probe.latency(sentMs: echo.sentMs, observedMs: echo.observedMs)
        else { return }
        state.withLock { state in
            state.probeLatencies.record(hop, milliseconds: latency)
            for (subscriber, var pending) in state.subscribers where pending.topic == .machine(echo.machineID) {
                guard pending.probes.count < 64 else { continue }
                pending.probes.append(echo)
                state.subscribers[subscriber] = pending
                pending.signal.yield()
            }
        }
    }

    /// A probe batch reached this gateway at `atMs`: the last hop before a browser (`ProbeHop.websocket`).
    public func recordProbeArrival(_ batch: Fleetwatch_V1_MetricBatch, atMs: Int64) {
        guard Probe.isProbe(batch.machine), let latency = Probe.latency(sentMs: batch.timestampMs, observedMs: atMs)
        else { return }
        state.withLock { $0.probeLatencies.record(.websocket, milliseconds: latency) }
    }

    /// Latency percentiles per hop of the synthetic transactions this gateway saw.
    public func probeLatencies() -> [HopLatency] {
        state.withLock { $0.probeLatencies.summaries() }
    }

    /// Open alerts of `machine` by status at `now`; those an active silence matches are counted as silenced, not as
    /// firing or pending.
    public func alerts(of machine: String, atMs now: Int64) -> MachineAlerts {
        let (open, silences) = state.withLock { (Array(($0.openAlerts[machine] ?? [:]).values), $0.silences) }
        return MachineAlerts(open, silences: silences, atMs: now)
    }

    /// The ids of the active silences that match the alert of `transition` at `now`; empty when none does, or the
    /// alert is not open (pending, firing), as GET /api/v1/alerts marks them (`SilenceStore.markingSilenced`).
    public func silencedBy(_ transition: Fleetwatch_V1_AlertTransition, atMs now: Int64) -> [String] {
        guard transition.to == .pending || transition.to == .firing else { return [] }
        let silences = state.withLock { $0.silences }
        guard !silences.isEmpty else { return [] }
        return silences.silencing(AlertLabels.of(transition), atMs: now)
    }

    /// Replaces the active silences. When they changed, every open alert is sent again to the subscribers that
    /// follow its machine (its `silenced_by` may have changed) and its machine is marked changed (its counts may
    /// have); returns whether they changed.
    @discardableResult
    public func applySilences(_ silences: [Silence]) -> Bool {
        state.withLock { state in
            guard state.silences != silences else { return false }
            state.silences = silences
            guard !state.openAlerts.isEmpty else { return true }
            for (subscriber, var pending) in state.subscribers {
                let machines: [String]
                switch pending.topic {
                case .fleet: machines = Array(state.openAlerts.keys)
                case .machine(let id) where state.openAlerts[id] != nil: machines = [id]
                default: continue
                }
                for machine in machines {
                    pending.machines.insert(machine)
                    for (id, transition) in state.openAlerts[machine] ?? [:] { pending.queue(alert: id, transition) }
                }
                state.subscribers[subscriber] = pending
                pending.signal.yield()
            }
            return true
        }
    }

    /// Seeds a machine from history; see `LastValueCache.seed`.
    public func seed(
        identity: Fleetwatch_V1_MachineIdentity, lastSeenMs: Int64, latest: [LiveSample],
        processes: Fleetwatch_V1_ProcessSnapshot?
    ) {
        state.withLock { $0.cache.seed(identity: identity, lastSeenMs: lastSeenMs, latest: latest, processes: processes) }
    }

    /// Every machine, sorted by hostname then id.
    public func machines() -> [LiveMachine] {
        state.withLock { Array($0.cache.machines.values) }.sorted(by: Self.displayOrder)
    }

    public func machine(_ id: String) -> LiveMachine? {
        state.withLock { $0.cache.machines[id] }
    }

    /// Machines and samples refused by the cache's bounds.
    public var rejected: Int { state.withLock { $0.cache.rejected } }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// A new subscriber that follows nothing until `LiveSubscription.follow` is called.
    public func subscribe() -> LiveSubscription {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Pending(signal: continuation)
            return id
        }
        return LiveSubscription(id: id, hub: self, signals: signals)
    }

    func follow(_ id: Int, topic: LiveTopic) {
        state.withLock { state in
            guard var pending = state.subscribers[id] else { return }
            pending.follow(topic)
            state.subscribers[id] = pending
            pending.signal.yield()
        }
    }

    func notify(_ id: Int, notice: String) {
        state.withLock { state in
            guard var pending = state.subscribers[id] else { return }
            // Bounded like everything else a slow reader can accumulate.
            if pending.notices.count < 8 { pending.notices.append(notice) }
            state.subscribers[id] = pending
            pending.signal.yield()
        }
    }

    func unsubscribe(_ id: Int) {
        let removed = state.withLock { $0.subscribers.removeValue(forKey: id) }
        removed?.signal.finish()
    }

    /// Takes what changed for subscriber `id` and reads the current values.
    func drain(_ id: Int) -> LiveUpdate {
        state.withLock { state in
            guard var pending = state.subscribers[id] else { return LiveUpdate() }
            var update = LiveUpdate(topic: pending.topic, isSnapshot: pending.snapshot, notices: pending.notices)
            let machines = state.cache.machines
            switch pending.topic {
            case nil:
                break
            case .fleet:
                update.machines =
                    pending.snapshot
                    ? machines.values.sorted(by: Self.displayOrder)
                    : pending.machines.compactMap { machines[$0] }.sorted(by: Self.displayOrder)
            case .machine(let machineID):
                if let machine = machines[machineID] {
                    if pending.snapshot || !pending.machines.isEmpty { update.machines = [machine] }
                    update.samples =
                        pending.snapshot ? machine.latest : pending.series.sorted().compactMap { machine.series[$0] }
                    if pending.snapshot || pending.processes { update.processes = machine.processes }
                } else if pending.snapshot {
                    update.notices.append("no data from machine '\(machineID)' yet; waiting for it")
                }
            }
            pending.snapshot = false
            pending.machines = []
            pending.series = []
            pending.processes = false
            pending.notices = []
            update.alerts = pending.alerts.values.sorted { $0.atMs < $1.atMs }
            pending.alerts = [:]
            update.probes = pending.probes
            pending.probes = []
            update.retired = pending.retired.sorted()
            pending.retired = []
            state.subscribers[id] = pending
            return update
        }
    }

    static func displayOrder(_ a: LiveMachine, _ b: LiveMachine) -> Bool {
        (a.identity.hostname, a.machineID) < (b.identity.hostname, b.machineID)
    }
}
