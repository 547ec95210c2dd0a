import FleetProto

/// The newest value of every series of every machine, fed by the batches on fleet.metrics: what the
/// gateway answers "how is the fleet now?" with, without a database round trip.
///
/// Bounded: at most `maxMachines` machines and `maxSeriesPerMachine` series each; what does not fit is
/// counted in `rejected`, never stored. Out-of-order deliveries never move a series back in time.
///
/// Only usable values (`SampleValue`) are kept, whatever the caller checked before: a batch on fleet.metrics
/// can come from anyone with broker access, a seed from history written before the check, and one Inf held
/// here would make every reader of the fleet fail to encode it. Those are counted in `unusable`.
public struct LastValueCache: Sendable {
    public private(set) var machines: [String: LiveMachine] = [:]
    public let maxMachines: Int
    public let maxSeriesPerMachine: Int
    /// Samples and machines refused by the bounds.
    public private(set) var rejected = 0
    /// Samples and process entries refused for a value that is not usable.
    public private(set) var unusable = 0

    public init(maxMachines: Int = 100_000, maxSeriesPerMachine: Int = BatchLimits.standard.maxSeriesPerMachine) {
        self.maxMachines = max(1, maxMachines)
        self.maxSeriesPerMachine = max(1, maxSeriesPerMachine)
    }

    /// What one batch changed, for telling subscribers.
    public struct Change: Sendable, Equatable {
        public var machineID: String
        /// Series whose newest value changed.
        public var series: [SeriesKey]
        public var processes: Bool
    }

    /// Applies a batch from fleet.metrics (samples or a process snapshot). Nil when the batch names
    /// no machine or the cache is full.
    @discardableResult
    public mutating func apply(_ batch: Fleetwatch_V1_MetricBatch) -> Change? {
        var batch = batch
        unusable += batch.removeUnusableValues().count
        let id = batch.machine.machineID
        guard !id.isEmpty else { return nil }
        let seenMs = SampleTime.seenMilliseconds(of: batch)
        guard var machine = machines[id] ?? admit(batch.machine, seenMs: seenMs) else { return nil }
        if seenMs >= machine.lastSeenMs {
            machine.identity = batch.machine
            machine.lastSeenMs = seenMs
        }
        var changed: [SeriesKey] = []
        let rejectedBefore = rejected
        for sample in batch.samples {
            let live = LiveSample(
                metric: sample.name, labels: sample.labels, value: sample.value,
                timeMs: SampleTime.milliseconds(of: sample, in: batch))
            if store(live, in: &machine) { changed.append(live.series) }
        }
        if !batch.samples.isEmpty || batch.refusedSeries > 0 {
            machine.refusedSeries = Int(batch.refusedSeries) + (rejected - rejectedBefore)
        }
        var processesChanged = false
        if batch.hasProcesses, batch.processes.timestampMs >= (machine.processes?.timestampMs ?? .min) {
            machine.processes = batch.processes
            processesChanged = true
        }
        machines[id] = machine
        return Change(machineID: id, series: changed, processes: processesChanged)
    }

    /// Seeds a machine from history (at start, before live batches arrived); newer live data wins.
    /// Forgets `machine` (retired by an operator); true when it was known. Its next batch brings it back.
    @discardableResult
    public mutating func remove(_ machine: String) -> Bool {
        machines.removeValue(forKey: machine) != nil
    }

    public mutating func seed(
        identity: Fleetwatch_V1_MachineIdentity, lastSeenMs: Int64, latest: [LiveSample],
        processes: Fleetwatch_V1_ProcessSnapshot?
    ) {
        let id = identity.machineID
        guard !id.isEmpty, var machine = machines[id] ?? admit(identity, seenMs: lastSeenMs) else { return }
        machine.lastSeenMs = max(machine.lastSeenMs, lastSeenMs)
        for sample in latest { store(sample, in: &machine) }
        var processes = processes
        if let unusableEntries = processes?.removeUnusableEntries() { unusable += unusableEntries.count }
        if let processes, processes.timestampMs >= (machine.processes?.timestampMs ?? .min) {
            machine.processes = processes
        }
        machines[id] = machine
    }

    private mutating func admit(_ identity: Fleetwatch_V1_MachineIdentity, seenMs: Int64) -> LiveMachine? {
        guard machines.count < maxMachines else {
            rejected += 1
            return nil
        }
        return LiveMachine(identity: identity, lastSeenMs: seenMs)
    }

    /// Keeps `sample` unless the series already holds a newer one; true when it was stored.
    @discardableResult
    private mutating func store(_ sample: LiveSample, in machine: inout LiveMachine) -> Bool {
        guard SampleValue.isUsable(sample.value) else {
            unusable += 1
            return false
        }
        let key = sample.series
        if let current = machine.series[key] {
            guard sample.timeMs >= current.timeMs else { return false }
        } else if machine.series.count >= maxSeriesPerMachine {
            rejected += 1
            return false
        }
        machine.series[key] = sample
        return true
    }
}
