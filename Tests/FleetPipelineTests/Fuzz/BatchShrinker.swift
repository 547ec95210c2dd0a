import FleetProto

/// Makes a failing input small before it is reported: drops whatever parts of the batch the failure does not
/// need (readings, labels, the process snapshot, identity fields), keeping each step only while `fails` holds.
enum BatchShrinker {
    static func shrink(
        _ batch: Fleetwatch_V1_RawBatch, while fails: (Fleetwatch_V1_RawBatch) -> Bool
    ) -> Fleetwatch_V1_RawBatch {
        var current = batch
        func attempt(_ change: (inout Fleetwatch_V1_RawBatch) -> Void) -> Bool {
            var candidate = current
            change(&candidate)
            guard candidate != current, fails(candidate) else { return false }
            current = candidate
            return true
        }
        var changed = true
        var rounds = 0
        while changed && rounds < 20 {
            rounds += 1
            changed = false
            // Halves first: a batch of 10,000 readings shrinks in a few steps.
            while current.readings.count > 1 {
                let half = current.readings.count / 2
                if attempt({ $0.readings.removeFirst(half) }) || attempt({ $0.readings.removeLast($0.readings.count - half) }) {
                    changed = true
                } else { break }
            }
            for index in current.readings.indices.reversed() where index < current.readings.count {
                if attempt({ $0.readings.remove(at: index) }) { changed = true }
            }
            for index in current.readings.indices {
                if attempt({ $0.readings[index].labels = [:] }) { changed = true }
            }
            // Each step only clears what is set: setting a field of an absent message would create it.
            var simplifications: [(inout Fleetwatch_V1_RawBatch) -> Void] = [
                { $0.traceParent = "" }, { $0.receivedMs = 0 }, { $0.refusedSeries = 0 },
            ]
            if current.hasProcesses {
                simplifications += [
                    { $0.clearProcesses() }, { $0.processes.byCpu = [] }, { $0.processes.byMemory = [] },
                ]
            }
            if current.hasIdentity {
                simplifications += [
                    { $0.clearIdentity() }, { $0.identity.hostname = "" }, { $0.identity.os = "" },
                    { $0.identity.kernel = "" }, { $0.identity.agentVersion = "" }, { $0.identity.labels = [:] },
                    { $0.identity.cpuCores = 0 },
                ]
            }
            // One at a time: the list is rebuilt for what is left.
            if simplifications.contains(where: { attempt($0) }) { changed = true }
        }
        return current
    }
}
