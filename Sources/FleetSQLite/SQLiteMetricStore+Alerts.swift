import FleetProto
import FleetStore
import Foundation
import GRDB

extension SQLiteMetricStore: RuleStore, AlertStore {
    public func createRule(_ rule: Fleetwatch_V1_Rule) async throws {
        let payload = Data(try rule.serializedBytes() as [UInt8])
        try await wrap("createRule") {
            try await pool.write { db in
                try db.execute(
                    sql: "INSERT INTO rules (id, name, version, payload) VALUES (?, ?, ?, ?)",
                    arguments: [rule.id, rule.name, rule.version, payload])
            }
        }
    }

    public func rule(id: String) async throws -> Fleetwatch_V1_Rule? {
        try await wrap("rule") {
            let payload = try await pool.read { db in
                try Data.fetchOne(db, sql: "SELECT payload FROM rules WHERE id = ?", arguments: [id])
            }
            return try payload.map { try Fleetwatch_V1_Rule(serializedBytes: $0) }
        }
    }

    public func rules() async throws -> [Fleetwatch_V1_Rule] {
        try await wrap("rules") {
            try await pool.read { db in try Data.fetchAll(db, sql: "SELECT payload FROM rules ORDER BY name, id") }
                .map { try Fleetwatch_V1_Rule(serializedBytes: $0) }
        }
    }

    public func updateRule(_ rule: Fleetwatch_V1_Rule, expectedVersion: Int64) async throws {
        let payload = Data(try rule.serializedBytes() as [UInt8])
        try await wrap("updateRule") {
            let updated = try await pool.write { db in
                try db.execute(
                    sql: "UPDATE rules SET name = ?, version = ?, payload = ? WHERE id = ? AND version = ?",
                    arguments: [rule.name, rule.version, payload, rule.id, expectedVersion])
                return db.changesCount
            }
            if updated == 0 { try await explainMissedWrite(id: rule.id, expectedVersion: expectedVersion) }
        }
    }

    public func deleteRule(id: String, expectedVersion: Int64) async throws -> Fleetwatch_V1_Rule {
        try await wrap("deleteRule") {
            let deleted = try await pool.write { db -> Data? in
                guard
                    let payload = try Data.fetchOne(
                        db, sql: "SELECT payload FROM rules WHERE id = ? AND (? = 0 OR version = ?)",
                        arguments: [id, expectedVersion, expectedVersion])
                else { return nil }
                try db.execute(sql: "DELETE FROM rules WHERE id = ?", arguments: [id])
                return payload
            }
            guard let deleted else {
                try await explainMissedWrite(id: id, expectedVersion: expectedVersion)
                throw StoreError.notFound("no rule '\(id)'")
            }
            return try Fleetwatch_V1_Rule(serializedBytes: deleted)
        }
    }

    public func record(_ transitions: [Fleetwatch_V1_AlertTransition]) async throws {
        guard !transitions.isEmpty else { return }
        try await wrap("recordAlerts") {
            try await pool.write { db in
                for transition in transitions {
                    let id = AlertRecord.id(of: transition)
                    let payload = Data(try transition.serializedBytes() as [UInt8])
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO alert_transitions (alert_id, to_status, at_ms, payload) VALUES (?, ?, ?, ?)",
                        arguments: [id, transition.to.rawValue, transition.atMs, payload])
                    let current = try Row.fetchOne(db, sql: "SELECT started_ms, updated_ms, status FROM alerts WHERE id = ?", arguments: [id])
                    guard let current else {
                        try db.execute(
                            sql: """
                                INSERT INTO alerts (id, rule_id, machine_id, status, started_ms, updated_ms, payload)
                                VALUES (?, ?, ?, ?, ?, ?, ?)
                                """,
                            arguments: [
                                id, transition.ruleID, transition.machineID, transition.to.rawValue, transition.atMs,
                                transition.atMs, payload,
                            ])
                        continue
                    }
                    let currentStatus = Fleetwatch_V1_AlertStatus(rawValue: current["status"]) ?? .unspecified
                    let updated: Int64 = current["updated_ms"]
                    let newer = (transition.atMs, AlertRecord.rank(transition.to)) >= (updated, AlertRecord.rank(currentStatus))
                    try db.execute(
                        sql: """
                            UPDATE alerts SET started_ms = min(started_ms, ?), updated_ms = max(updated_ms, ?),
                                status = CASE WHEN ? THEN ? ELSE status END, payload = CASE WHEN ? THEN ? ELSE payload END
                            WHERE id = ?
                            """,
                        arguments: [transition.atMs, transition.atMs, newer, transition.to.rawValue, newer, payload, id])
                }
            }
        }
    }

    public func alerts(_ filter: Fleetwatch_V1_ListAlertsRequest) async throws -> [Fleetwatch_V1_Alert] {
        var conditions = ["updated_ms >= ?"]
        var arguments: StatementArguments = [filter.sinceMs]
        if !filter.statuses.isEmpty {
            conditions.append("status IN (\(filter.statuses.map { _ in "?" }.joined(separator: ", ")))")
            for status in filter.statuses { arguments += [status.rawValue] }
        }
        if !filter.machineID.isEmpty {
            conditions.append("machine_id = ?")
            arguments += [filter.machineID]
        }
        if !filter.ruleID.isEmpty {
            conditions.append("rule_id = ?")
            arguments += [filter.ruleID]
        }
        arguments += [AlertRecord.limit(filter)]
        let sql = """
            SELECT id, started_ms, payload FROM alerts WHERE \(conditions.joined(separator: " AND "))
            ORDER BY updated_ms DESC, id LIMIT ?
            """
        return try await wrap("alerts") {
            try await pool.read { [arguments] db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                    AlertRecord.alert(
                        id: row["id"], latest: try Fleetwatch_V1_AlertTransition(serializedBytes: row["payload"] as Data),
                        startedMs: row["started_ms"])
                }
            }
        }
    }

    public func alert(id: String) async throws -> Fleetwatch_V1_Alert? {
        try await wrap("alert") {
            try await pool.read { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT started_ms, payload FROM alerts WHERE id = ?", arguments: [id])
                else { return nil }
                var history = try Data.fetchAll(
                    db, sql: "SELECT payload FROM alert_transitions WHERE alert_id = ?", arguments: [id]
                ).map { try Fleetwatch_V1_AlertTransition(serializedBytes: $0) }
                history.sort { ($0.atMs, AlertRecord.rank($0.to)) < ($1.atMs, AlertRecord.rank($1.to)) }
                return AlertRecord.alert(
                    id: id, latest: try Fleetwatch_V1_AlertTransition(serializedBytes: row["payload"] as Data),
                    startedMs: row["started_ms"], history: history)
            }
        }
    }
}
