import FleetCore
import FleetProto
import Foundation
import GRDB

extension SQLiteMetricStore {
    public func persist(_ batches: [Fleetwatch_V1_MetricBatch]) async throws -> PersistResult {
        let seenAt = Self.milliseconds(now())
        return try await wrap("persist") {
            try await pool.write { db in try Self.write(batches, seenAt: seenAt, in: db) }
        }
    }

    private static func write(_ batches: [Fleetwatch_V1_MetricBatch], seenAt: Int64, in db: Database) throws
        -> PersistResult
    {
        var result = PersistResult()
        let insertSample = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO samples (machine_id, metric, labels, ts, value) VALUES (?, ?, ?, ?, ?)")
        let rollups = try ["samples_1m", "samples_1h"].map { table in
            try db.cachedStatement(
                sql: """
                    INSERT INTO \(table) (machine_id, metric, labels, bucket, min, max, sum, count) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
                    ON CONFLICT (machine_id, metric, labels, bucket) DO UPDATE SET
                        min = min(min, excluded.min), max = max(max, excluded.max), sum = sum + excluded.sum,
                        count = count + 1
                    """)
        }
        let upsertLatest = try db.cachedStatement(
            sql: """
                INSERT INTO latest (machine_id, metric, labels, ts, value) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (machine_id, metric, labels) DO UPDATE SET ts = excluded.ts, value = excluded.value
                WHERE excluded.ts >= latest.ts
                """)
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var labelKeys: [[String: String]: String] = [:]

        for batch in batches {
            let machineID = batch.machine.machineID
            let seenMs = batch.receivedMs > 0 ? batch.receivedMs : batch.timestampMs
            for sample in batch.samples {
                let ms = sample.timestampMs != 0 ? sample.timestampMs : batch.timestampMs
                let key: String
                if let known = labelKeys[sample.labels] {
                    key = known
                } else {
                    key = LabelSet.key(sample.labels)
                    labelKeys[sample.labels] = key
                }
                try insertSample.execute(arguments: [machineID, sample.name, key, ms, sample.value])
                guard db.changesCount == 1 else {
                    result.samplesDuplicate += 1
                    continue
                }
                result.samplesInserted += 1
                for (statement, width) in zip(rollups, [Int64(60_000), 3_600_000]) {
                    let bucket = ms - ((ms % width) + width) % width
                    try statement.execute(arguments: [
                        machineID, sample.name, key, bucket, sample.value, sample.value, sample.value,
                    ])
                }
                try upsertLatest.execute(arguments: [machineID, sample.name, key, ms, sample.value])
            }
            try insertBatch.execute(arguments: [machineID, Int64(clamping: batch.sequence), seenAt])
            if db.changesCount == 1 { result.batchesNew += 1 } else { result.batchesDuplicate += 1 }
            let identity = batch.machine
            let labels = String(decoding: try encoder.encode(identity.labels), as: UTF8.self)
            try upsertMachine.execute(arguments: [
                machineID, identity.hostname, identity.os, identity.kernel, Int(identity.cpuCores), identity.agentVersion,
                labels, seenMs, seenMs, Int64(clamping: batch.sequence),
            ])
            if batch.hasProcesses {
                let snapshot = batch.processes
                let ms = snapshot.timestampMs != 0 ? snapshot.timestampMs : batch.timestampMs
                try upsertProcesses.execute(arguments: [machineID, ms, Data(try snapshot.serializedBytes() as [UInt8])])
            }
        }
        return result
    }
}
