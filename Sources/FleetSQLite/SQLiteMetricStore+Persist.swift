import FleetCore
import FleetProto
import FleetStore
import Foundation
import GRDB

extension SQLiteMetricStore {
    /// One write transaction per call: the ticks (`INSERT OR IGNORE`, so a redelivery inserts nothing), a mark
    /// for each minute that got new ticks (the rollup pass recomputes it), machines, batch sequences and process
    /// snapshots. Grouping, packing and encoding happen before the transaction, so the writer lock is held only
    /// for the statements.
    public func persist(_ batches: [Fleetwatch_V1_MetricBatch]) async throws -> PersistResult {
        let seenAt = now().millisecondsSince1970
        return try await wrap("persist") {
            let plan = try SQLitePersistPlan(batches, layouts: layouts)
            let (result, added) = try await pool.write { db in try plan.write(seenAt: seenAt, in: db) }
            layouts.remember(added)
            return result
        }
    }
}

/// Everything one `persist` call writes, prepared outside the write transaction.
struct SQLitePersistPlan: Sendable {
    struct Tick: Sendable {
        var machineID: String
        var milliseconds: Int64
        /// Index into `layouts`.
        var layout: Int
        var count: Int
        var values: Data
    }

    struct Layout: Sendable {
        var layout: SeriesLayout
        /// Nil when the cache does not know it: resolved in the transaction.
        var id: Int64?
    }

    struct Machine: Sendable {
        var identity: Fleetwatch_V1_MachineIdentity
        var labels: String
        var seenMs: Int64
        var sequence: Int64
        var processes: (milliseconds: Int64, payload: Data)?
    }

    var ticks: [Tick] = []
    var layouts: [Layout] = []
    var machines: [Machine] = []
    var samples = 0

    init(_ batches: [Fleetwatch_V1_MetricBatch], layouts catalog: SQLiteLayoutCatalog) throws {
        var layoutIndex: [SeriesLayout: Int] = [:]
        for tick in MachineTick.group(batches) {
            let index: Int
            if let known = layoutIndex[tick.layout] {
                index = known
            } else {
                index = layouts.count
                layoutIndex[tick.layout] = index
                layouts.append(Layout(layout: tick.layout, id: catalog.id(of: tick.layout)))
            }
            ticks.append(
                Tick(
                    machineID: tick.machineID, milliseconds: tick.milliseconds, layout: index, count: tick.values.count,
                    values: SQLiteTickCodec.encode(tick.values)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for batch in batches {
            samples += batch.samples.count
            var processes: (milliseconds: Int64, payload: Data)?
            if batch.hasProcesses {
                processes = (
                    SampleTime.milliseconds(of: batch.processes, in: batch),
                    Data(try batch.processes.serializedBytes() as [UInt8])
                )
            }
            machines.append(
                Machine(
                    identity: batch.machine, labels: String(decoding: try encoder.encode(batch.machine.labels), as: UTF8.self),
                    seenMs: SampleTime.seenMilliseconds(of: batch), sequence: Int64(clamping: batch.sequence),
                    processes: processes))
        }
    }

    /// Runs in the write transaction; returns what it did and the layouts it added (for the cache, once committed).
    func write(seenAt: Int64, in db: Database) throws -> (PersistResult, [Int64: SeriesLayout]) {
        var added: [Int64: SeriesLayout] = [:]
        let layoutIDs = try layouts.map { entry in
            if let id = entry.id { return id }
            let id = try SQLiteLayoutCatalog.resolve(entry.layout, in: db)
            added[id] = entry.layout
            return id
        }

        var result = PersistResult()
        var minutes: Set<Int64> = []
        let insertTick = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO ticks (machine_id, ts, layout, vals) VALUES (?, ?, ?, ?)")
        for tick in ticks {
            try insertTick.execute(arguments: [tick.machineID, tick.milliseconds, layoutIDs[tick.layout], tick.values])
            guard db.changesCount == 1 else { continue }
            result.samplesInserted += tick.count
            minutes.insert(RollupPolicy.floor(tick.milliseconds, to: RollupPolicy.minuteMilliseconds))
        }
        // Repeats of a series at one instant collapse into one value; like redelivered ones they are duplicates.
        result.samplesDuplicate = samples - result.samplesInserted
        let mark = try db.cachedStatement(sql: "INSERT OR IGNORE INTO rollup_dirty (tier, bucket) VALUES (?, ?)")
        for minute in minutes {
            try mark.execute(arguments: [SQLiteRollupTier.minute, minute])
        }

        let insertBatch = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO batches_seen (machine_id, sequence, seen_at) VALUES (?, ?, ?)")
        let upsertMachine = try db.cachedStatement(
            sql: """
                INSERT INTO machines (machine_id, hostname, os, kernel, cores, agent_version, labels, first_seen,
                    last_seen, last_sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (machine_id) DO UPDATE SET
                    hostname = CASE WHEN excluded.last_seen >= last_seen THEN excluded.hostname ELSE hostname END,
                    os = CASE WHEN excluded.last_seen >= last_seen THEN excluded.os ELSE os END,
                    kernel = CASE WHEN excluded.last_seen >= last_seen THEN excluded.kernel ELSE kernel END,
                    cores = CASE WHEN excluded.last_seen >= last_seen THEN excluded.cores ELSE cores END,
                    agent_version = CASE WHEN excluded.last_seen >= last_seen THEN excluded.agent_version ELSE agent_version END,
                    labels = CASE WHEN excluded.last_seen >= last_seen THEN excluded.labels ELSE labels END,
                    first_seen = min(first_seen, excluded.first_seen),
                    last_seen = max(last_seen, excluded.last_seen),
                    last_sequence = max(last_sequence, excluded.last_sequence)
                """)
        let upsertProcesses = try db.cachedStatement(
            sql: """
                INSERT INTO process_snapshots (machine_id, ts, payload) VALUES (?, ?, ?)
                ON CONFLICT (machine_id) DO UPDATE SET ts = excluded.ts, payload = excluded.payload
                WHERE excluded.ts >= process_snapshots.ts
                """)
        for machine in machines {
            let identity = machine.identity
            try insertBatch.execute(arguments: [identity.machineID, machine.sequence, seenAt])
            if db.changesCount == 1 { result.batchesNew += 1 } else { result.batchesDuplicate += 1 }
            try upsertMachine.execute(arguments: [
                identity.machineID, identity.hostname, identity.os, identity.kernel, Int(identity.cpuCores),
                identity.agentVersion, machine.labels, machine.seenMs, machine.seenMs, machine.sequence,
            ])
            if let processes = machine.processes {
                try upsertProcesses.execute(arguments: [identity.machineID, processes.milliseconds, processes.payload])
            }
        }
        return (result, added)
    }
}
