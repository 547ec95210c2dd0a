/// The `overview` message of /api/v1/live written by hand into one string (`JSONText`): the same JSON JSONEncoder
/// would write for `OverviewRow`s (keys in a fixed order, absent numbers left out, non-finite ones as null), several
/// times faster, which is what a 10,000-row snapshot needs.
enum OverviewJSON {
    static func message(nowMs: Int64, snapshot: Bool, rows: [OverviewRow]) -> String {
        var out = #"{"type":"overview","now_ms":\#(nowMs),"snapshot":\#(snapshot),"rows":["#
        out.reserveCapacity(64 + rows.count * 340)
        for (index, row) in rows.enumerated() {
            if index > 0 { out.append(",") }
            append(row, to: &out)
        }
        out.append("]}")
        return out
    }

    static func append(_ row: OverviewRow, to out: inout String) {
        out.append(#"{"id":"#)
        JSONText.appendString(row.id, to: &out)
        out.append(#","name":"#)
        JSONText.appendString(row.name, to: &out)
        out.append(#","labels":{"#)
        for (index, name) in row.labels.keys.sorted().enumerated() {
            if index > 0 { out.append(",") }
            JSONText.appendString(name, to: &out)
            out.append(":")
            JSONText.appendString(row.labels[name] ?? "", to: &out)
        }
        out.append(#"},"status":""#)
        out.append(row.status.rawValue)
        out.append(#"","last_seen_ms":\#(row.lastSeenMs),"silent":\#(row.silent),"synthetic":\#(row.synthetic)"#)
        out.append(#","firing":\#(row.firing),"pending":\#(row.pending),"silenced":\#(row.silenced),"worst":"#)
        if let worst = row.worst { JSONText.appendString(worst, to: &out) } else { out.append("null") }
        for (key, value) in [
            ("cpu", row.cpu), ("mem", row.mem), ("disk", row.disk), ("rx", row.rx), ("tx", row.tx), ("load", row.load),
        ] {
            guard let value else { continue }
            out.append(#","\#(key)":"#)
            JSONText.appendNumber(value, to: &out)
        }
        out.append("}")
    }
}
