import FleetCore
import FleetProto
import Foundation
import PostgresNIO
import SwiftProtobuf

extension PostgresMetricStore {
    /// How far back from the machine's last batch `latest(machine:)` looks: series silent for longer are
    /// not "current" any more, and the bound keeps the scan to the newest partitions.
    static let latestWindow = "interval '1 hour'"

    public func latest(machine: String) async throws -> [LatestSample] {
        try await wrap("latest") {
            var samples: [LatestSample] = []
            let rows = try await client.query(
                """
                SELECT DISTINCT ON (metric, labels) metric, labels, ts, value FROM samples
                WHERE machine_id = \(machine)
                  AND ts >= (SELECT last_seen FROM machines WHERE machine_id = \(machine)) - \(unescaped: Self.latestWindow)
                ORDER BY metric, labels, ts DESC
                """, logger: logger)
            for try await (metric, labels, time, value) in rows.decode((String, String, Date, Double).self) {
                samples.append(LatestSample(metric: metric, labels: LabelSet.parse(labels), time: time, value: value))
            }
            return samples
        }
    }

    public func history(
        machine: String, metric: String, labels: [String: String], from: Date, to: Date, step: Duration?
    ) async throws -> MetricHistory {
        let plan = resolutionPolicy.plan(from: from, to: to, step: step, now: now())
        let series = LabelSet.key(labels)
        return try await wrap("history") {
            var points: [HistoryPoint] = []
            let query: PostgresQuery
            switch (plan.resolution, plan.step) {
            case (.raw, nil):
                query = """
                    SELECT ts, value, value, value, 1::int8 FROM samples
                    WHERE machine_id = \(machine) AND metric = \(metric) AND labels = \(series)
                      AND ts >= \(from) AND ts < \(to)
                    ORDER BY ts
                    """
            case (.raw, let step?):
                query = """
                    SELECT date_bin(\(Self.milliseconds(step)) * interval '1 millisecond', ts, timestamptz 'epoch') AS b,
                        min(value), max(value), sum(value), count(*)
                    FROM samples
                    WHERE machine_id = \(machine) AND metric = \(metric) AND labels = \(series)
                      AND ts >= \(from) AND ts < \(to)
                    GROUP BY b ORDER BY b
                    """
            case (let rollup, let step):
                let table = rollup == .hour ? "samples_1h" : "samples_1m"
                let stepMs = Self.milliseconds(step ?? rollup.bucket!)
                query = """
                    SELECT date_bin(\(stepMs) * interval '1 millisecond', bucket, timestamptz 'epoch') AS b,
                        min(min), max(max), sum(sum), sum(count)::int8
                    FROM \(unescaped: table)
                    WHERE machine_id = \(machine) AND metric = \(metric) AND labels = \(series)
                      AND bucket >= date_bin(\(stepMs) * interval '1 millisecond', \(from), timestamptz 'epoch')
                      AND bucket < \(to)
                    GROUP BY b ORDER BY b
                    """
            }
            for try await (time, low, high, sum, count) in try await client.query(query, logger: logger).decode(
                (Date, Double, Double, Double, Int).self)
            {
                points.append(HistoryPoint(time: time, min: low, max: high, sum: sum, count: count))
            }
            return MetricHistory(resolution: plan.resolution, step: plan.step, points: points)
        }
    }

    public func machines() async throws -> [MachineRecord] {
        try await wrap("machines") {
            var records: [MachineRecord] = []
            let rows = try await client.query(
                """
                SELECT machine_id, hostname, os, kernel, cores, agent_version, labels::text, first_seen, last_seen,
                    last_sequence
                FROM machines ORDER BY machine_id
                """, logger: logger)
            for try await (id, hostname, os, kernel, cores, agent, labels, first, last, sequence) in rows.decode(
                (String, String, String, String, Int32, String, String, Date, Date, Int64).self)
            {
                let decoded = (try? JSONDecoder().decode([String: String].self, from: Data(labels.utf8))) ?? [:]
                records.append(
                    MachineRecord(
                        machineID: id, hostname: hostname, os: os, kernel: kernel, cores: Int(cores),
                        agentVersion: agent, labels: decoded, firstSeen: first, lastSeen: last,
                        lastSequence: UInt64(clamping: sequence)))
            }
            return records
        }
    }

    public func latestProcesses(machine: String) async throws -> Fleetwatch_V1_ProcessSnapshot? {
        try await wrap("latestProcesses") {
            for try await payload in try await client.query(
                "SELECT payload FROM process_snapshots WHERE machine_id = \(machine)", logger: logger
            ).decode(ByteBuffer.self) {
                return try Fleetwatch_V1_ProcessSnapshot(serializedBytes: Array(payload.readableBytesView))
            }
            return nil
        }
    }

    public func sequenceAccounting(machine: String) async throws -> SequenceAccounting {
        try await wrap("sequenceAccounting") {
            var accounting = SequenceAccounting(count: 0, lowest: nil, highest: nil)
            for try await (count, lowest, highest) in try await client.query(
                "SELECT count(*), min(sequence), max(sequence) FROM batches_seen WHERE machine_id = \(machine)",
                logger: logger
            ).decode((Int, Int64?, Int64?).self) {
                accounting = SequenceAccounting(
                    count: count, lowest: lowest.map { UInt64(clamping: $0) }, highest: highest.map { UInt64(clamping: $0) })
            }
            return accounting
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
