import FleetProto
import FleetStore
import Foundation
import GRDB

extension SQLiteMetricStore {
    public func retire(machine: String, at: Date) async throws -> Bool {
        try await wrap("retire") {
            try await pool.write { db in
                try db.execute(
                    sql: "UPDATE machines SET retired_at = ? WHERE machine_id = ?",
                    arguments: [at.millisecondsSince1970, machine])
                return db.changesCount > 0
            }
        }
    }

    public func machines() async throws -> [MachineRecord] {
        try await wrap("machines") {
            try await pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM machines WHERE retired_at IS NULL OR last_seen > retired_at ORDER BY machine_id"
                ).map { row in
                    let labels: String = row["labels"]
                    return MachineRecord(
                        machineID: row["machine_id"], hostname: row["hostname"], os: row["os"], kernel: row["kernel"],
                        cores: row["cores"], agentVersion: row["agent_version"],
                        labels: (try? JSONDecoder().decode([String: String].self, from: Data(labels.utf8))) ?? [:],
                        firstSeen: Date(millisecondsSince1970: row["first_seen"]), lastSeen: Date(millisecondsSince1970: row["last_seen"]),
                        lastSequence: UInt64(clamping: row["last_sequence"] as Int64))
                }
            }
        }
    }

    public func latestProcesses(machine: String) async throws -> Fleetwatch_V1_ProcessSnapshot? {
        try await wrap("latestProcesses") {
            let payload = try await pool.read { db in
                try Data.fetchOne(db, sql: "SELECT payload FROM process_snapshots WHERE machine_id = ?", arguments: [machine])
            }
            return try payload.map { try Fleetwatch_V1_ProcessSnapshot(serializedBytes: $0) }
        }
    }

    public func sequenceAccounting(machine: String) async throws -> SequenceAccounting {
        try await wrap("sequenceAccounting") {
            try await pool.read { db in
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT count(*) AS n, min(sequence) AS lo, max(sequence) AS hi FROM batches_seen WHERE machine_id = ?",
                    arguments: [machine])
                let lowest: Int64? = row?["lo"]
                let highest: Int64? = row?["hi"]
                return SequenceAccounting(
                    count: row?["n"] ?? 0, lowest: lowest.map { UInt64(clamping: $0) },
                    highest: highest.map { UInt64(clamping: $0) })
            }
        }
    }
}
