/// The `overview` message of /api/v1/live written by hand into one string: the same JSON JSONEncoder would
/// write for `OverviewRow`s (keys in a fixed order, absent numbers left out, non-finite ones as null), several
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
        appendString(row.id, to: &out)
        out.append(#","name":"#)
        appendString(row.name, to: &out)
        out.append(#","labels":{"#)
        for (index, name) in row.labels.keys.sorted().enumerated() {
            if index > 0 { out.append(",") }
            appendString(name, to: &out)
            out.append(":")
            appendString(row.labels[name] ?? "", to: &out)
        }
        out.append(#"},"status":""#)
        out.append(row.status.rawValue)
        out.append(#"","last_seen_ms":\#(row.lastSeenMs),"silent":\#(row.silent),"synthetic":\#(row.synthetic)"#)
        out.append(#","firing":\#(row.firing),"pending":\#(row.pending),"silenced":\#(row.silenced),"worst":"#)
        if let worst = row.worst { appendString(worst, to: &out) } else { out.append("null") }
        for (key, value) in [
            ("cpu", row.cpu), ("mem", row.mem), ("disk", row.disk), ("rx", row.rx), ("tx", row.tx), ("load", row.load),
        ] {
            guard let value else { continue }
            out.append(#","\#(key)":"#)
            out.append(value.isFinite ? "\(value)" : "null")
        }
        out.append("}")
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; everything else as UTF-8.
    static func appendString(_ text: String, to out: inout String) {
        out.append("\"")
        var plain = true
        for byte in text.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            plain = false
            break
        }
        if plain {
            out.append(text)
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out.append(#"\""#)
                case "\\": out.append(#"\\"#)
                case "\n": out.append(#"\n"#)
                case "\r": out.append(#"\r"#)
                case "\t": out.append(#"\t"#)
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out.append(#"\u"# + String(repeating: "0", count: 4 - hex.count) + hex)
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }
}
