/// JSON written by hand, for the answers big enough that `JSONEncoder` shows (the live overview's 10,000 rows, a
/// chart's 720 history points): the same JSON values it would write (a whole number may read `100.0` where it writes
/// `100`), several times faster.
enum JSONText {
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

    /// A JSON number; non-finite values (which JSON cannot hold) as null, as `GatewayJSON` writes them.
    static func appendNumber(_ value: Double, to out: inout String) {
        // Written straight into `out`: an interpolation would build a string of its own first, then copy it.
        if value.isFinite { value.write(to: &out) } else { out.append("null") }
    }
}
