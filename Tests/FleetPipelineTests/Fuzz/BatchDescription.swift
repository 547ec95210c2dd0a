import FleetProto

/// A short, exact account of a (shrunk) fuzz input for a failure message: long strings show their length and
/// escaped start, values their exact Double, times their distance from the harness's clock.
enum BatchDescription {
    static func describe(_ batch: Fleetwatch_V1_RawBatch, nowMs: Int64) -> String {
        var parts = [
            "machine_id \(text(batch.machineID))", "sequence \(batch.sequence)", "source \(text(batch.source))",
            "timestamp_ms \(time(batch.timestampMs, nowMs: nowMs))",
        ]
        if batch.hasIdentity {
            let identity = batch.identity
            parts.append(
                "identity {machine_id \(text(identity.machineID)), hostname \(text(identity.hostname)), os \(text(identity.os)), "
                    + "kernel \(text(identity.kernel)), agent_version \(text(identity.agentVersion)), "
                    + "cpu_cores \(identity.cpuCores), labels \(labels(identity.labels))}")
        }
        let shown = batch.readings.prefix(8).map { "\(text($0.key)) = \($0.value.debugDescription) \(labels($0.labels))" }
        parts.append("readings (\(batch.readings.count)) [\(shown.joined(separator: "; "))\(batch.readings.count > 8 ? "; …" : "")]")
        if batch.hasProcesses {
            let processes = batch.processes
            let shownProcesses = (processes.byCpu + processes.byMemory).prefix(4).map {
                "pid \($0.pid) \(text($0.name)) cpu \($0.cpuPercent.debugDescription) rss \($0.rssBytes)"
            }
            parts.append(
                "processes {timestamp_ms \(time(processes.timestampMs, nowMs: nowMs)), by_cpu \(processes.byCpu.count), "
                    + "by_memory \(processes.byMemory.count): \(shownProcesses.joined(separator: "; "))}")
        }
        if batch.receivedMs != 0 { parts.append("received_ms \(time(batch.receivedMs, nowMs: nowMs))") }
        if batch.refusedSeries != 0 { parts.append("refused_series \(batch.refusedSeries)") }
        if !batch.traceParent.isEmpty { parts.append("trace_parent \(text(batch.traceParent))") }
        return parts.joined(separator: ", ")
    }

    static func text(_ value: String) -> String {
        let bytes = value.utf8.count
        let start = String(value.unicodeScalars.prefix(24).map { $0.escaped(asASCII: true) }.joined())
        return bytes > 24 ? "\"\(start)…\" (\(bytes) bytes)" : "\"\(start)\""
    }

    static func labels(_ labels: [String: String]) -> String {
        "{" + labels.sorted { $0.key < $1.key }.prefix(4).map { "\(text($0.key)): \(text($0.value))" }.joined(separator: ", ")
            + (labels.count > 4 ? ", … (\(labels.count))" : "") + "}"
    }

    static func time(_ ms: Int64, nowMs: Int64) -> String {
        let (offset, overflow) = ms.subtractingReportingOverflow(nowMs)
        return overflow ? "\(ms)" : "now\(offset >= 0 ? "+" : "")\(offset) (\(ms))"
    }
}
