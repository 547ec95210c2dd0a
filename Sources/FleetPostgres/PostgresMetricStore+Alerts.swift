import FleetProto
import FleetStore
import Foundation
import PostgresNIO

extension PostgresMetricStore: RuleStore, AlertStore {
    public func createRule(_ rule: Fleetwatch_V1_Rule) async throws {
        let payload = ByteBuffer(bytes: try rule.serializedBytes() as [UInt8])
        try await wrap("createRule") {
            try await client.query(
                "INSERT INTO rules (id, name, version, payload) VALUES (\(rule.id), \(rule.name), \(rule.version), \(payload))",
                logger: logger)
        }
    }

    public func rule(id: String) async throws -> Fleetwatch_V1_Rule? {
        try await wrap("rule") {
            for try await payload in try await client.query("SELECT payload FROM rules WHERE id = \(id)", logger: logger)
                .decode(ByteBuffer.self)
            {
                return try Fleetwatch_V1_Rule(serializedBytes: Array(payload.readableBytesView))
            }
            return nil
        }
    }

    public func rules() async throws -> [Fleetwatch_V1_Rule] {
        try await wrap("rules") {
            var rules: [Fleetwatch_V1_Rule] = []
            for try await payload in try await client.query("SELECT payload FROM rules ORDER BY name, id", logger: logger)
                .decode(ByteBuffer.self)
            {
                rules.append(try Fleetwatch_V1_Rule(serializedBytes: Array(payload.readableBytesView)))
            }
            return rules
        }
    }

    public func updateRule(_ rule: Fleetwatch_V1_Rule, expectedVersion: Int64) async throws {
        let payload = ByteBuffer(bytes: try rule.serializedBytes() as [UInt8])
        try await wrap("updateRule") {
            var updated = 0
            for try await _ in try await client.query(
                """
                UPDATE rules SET name = \(rule.name), version = \(rule.version), payload = \(payload)
                WHERE id = \(rule.id) AND version = \(expectedVersion) RETURNING 1
                """, logger: logger
            ).decode(Int.self) { updated += 1 }
            if updated == 0 { try await explainMissedWrite(id: rule.id, expectedVersion: expectedVersion) }
        }
    }

    public func deleteRule(id: String, expectedVersion: Int64) async throws -> Fleetwatch_V1_Rule {
        try await wrap("deleteRule") {
            for try await payload in try await client.query(
                """
                DELETE FROM rules WHERE id = \(id) AND (\(expectedVersion) = 0 OR version = \(expectedVersion))
                RETURNING payload
                """, logger: logger
            ).decode(ByteBuffer.self) {
                return try Fleetwatch_V1_Rule(serializedBytes: Array(payload.readableBytesView))
            }
            try await explainMissedWrite(id: id, expectedVersion: expectedVersion)
            throw StoreError.notFound("no rule '\(id)'")
        }
    }

    public func record(_ transitions: [Fleetwatch_V1_AlertTransition]) async throws {
        guard !transitions.isEmpty else { return }
        try await wrap("recordAlerts") {
            try await client.withTransaction(logger: logger) { connection in
                for transition in transitions {
                    let id = AlertRecord.id(of: transition)
                    let payload = ByteBuffer(bytes: try transition.serializedBytes() as [UInt8])
                    let status = Int32(transition.to.rawValue)
                    let rank = AlertRecord.rank(transition.to)
                    try await connection.query(
                        """
                        INSERT INTO alert_transitions (alert_id, to_status, at_ms, payload)
                        VALUES (\(id), \(status), \(transition.atMs), \(payload)) ON CONFLICT DO NOTHING
                        """, logger: logger)
                    try await connection.query(
                        """
                        INSERT INTO alerts AS a (id, rule_id, machine_id, status, started_ms, updated_ms, payload)
                        VALUES (\(id), \(transition.ruleID), \(transition.machineID), \(status), \(transition.atMs),
                            \(transition.atMs), \(payload))
                        ON CONFLICT (id) DO UPDATE SET
                            started_ms = LEAST(a.started_ms, EXCLUDED.started_ms),
                            status = CASE WHEN (EXCLUDED.updated_ms, \(unescaped: String(rank))) >= (a.updated_ms, \(unescaped: Self.rankSQL("a.status")))
                                THEN EXCLUDED.status ELSE a.status END,
                            payload = CASE WHEN (EXCLUDED.updated_ms, \(unescaped: String(rank))) >= (a.updated_ms, \(unescaped: Self.rankSQL("a.status")))
                                THEN EXCLUDED.payload ELSE a.payload END,
                            updated_ms = GREATEST(a.updated_ms, EXCLUDED.updated_ms)
                        """, logger: logger)
                }
            }
        }
    }

    static func rankSQL(_ column: String) -> String {
        "CASE \(column) WHEN \(Fleetwatch_V1_AlertStatus.pending.rawValue) THEN 1 WHEN \(Fleetwatch_V1_AlertStatus.firing.rawValue) THEN 2 ELSE 3 END"
    }

    public func alerts(_ filter: Fleetwatch_V1_ListAlertsRequest) async throws -> [Fleetwatch_V1_Alert] {
        let statuses = filter.statuses.map { Int32($0.rawValue) }
        let limit = AlertRecord.limit(filter)
        return try await wrap("alerts") {
            var alerts: [Fleetwatch_V1_Alert] = []
            for try await (id, started, payload) in try await client.query(
                """
                SELECT id, started_ms, payload FROM alerts
                WHERE (cardinality(\(statuses)::int4[]) = 0 OR status = ANY(\(statuses)::int4[]))
                  AND (\(filter.machineID) = '' OR machine_id = \(filter.machineID))
                  AND (\(filter.ruleID) = '' OR rule_id = \(filter.ruleID))
                  AND updated_ms >= \(filter.sinceMs)
                ORDER BY updated_ms DESC, id LIMIT \(limit)
                """, logger: logger
            ).decode((String, Int64, ByteBuffer).self) {
                let latest = try Fleetwatch_V1_AlertTransition(serializedBytes: Array(payload.readableBytesView))
                alerts.append(AlertRecord.alert(id: id, latest: latest, startedMs: started))
            }
            return alerts
        }
    }

    public func alert(id: String) async throws -> Fleetwatch_V1_Alert? {
        try await wrap("alert") {
            var found: (Int64, Fleetwatch_V1_AlertTransition)?
            for try await (started, payload) in try await client.query(
                "SELECT started_ms, payload FROM alerts WHERE id = \(id)", logger: logger
            ).decode((Int64, ByteBuffer).self) {
                found = (started, try Fleetwatch_V1_AlertTransition(serializedBytes: Array(payload.readableBytesView)))
            }
            guard let (started, latest) = found else { return nil }
            var history: [Fleetwatch_V1_AlertTransition] = []
            for try await payload in try await client.query(
                "SELECT payload FROM alert_transitions WHERE alert_id = \(id) ORDER BY at_ms, to_status", logger: logger
            ).decode(ByteBuffer.self) {
                history.append(try Fleetwatch_V1_AlertTransition(serializedBytes: Array(payload.readableBytesView)))
            }
            history.sort { ($0.atMs, AlertRecord.rank($0.to)) < ($1.atMs, AlertRecord.rank($1.to)) }
            return AlertRecord.alert(id: id, latest: latest, startedMs: started, history: history)
        }
    }
}
