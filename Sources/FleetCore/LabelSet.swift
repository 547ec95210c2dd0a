/// The canonical text form of a label set, the series key under which history is stored:
/// keys sorted, `k=v` joined by `,`, with `\`, `,` and `=` escaped by a backslash. Empty labels → "".
public enum LabelSet {
    public static func key(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }
            .map { escape($0.key) + "=" + escape($0.value) }
            .joined(separator: ",")
    }

    /// Inverse of `key(_:)`.
    public static func parse(_ key: String) -> [String: String] {
        var labels: [String: String] = [:]
        var current = ""
        var name: String?
        var escaped = false
        func finish() {
            if let name { labels[name] = current }
            name = nil
            current = ""
        }
        for ch in key {
            if escaped {
                current.append(ch)
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == "=" && name == nil {
                name = current
                current = ""
            } else if ch == "," {
                finish()
            } else {
                current.append(ch)
            }
        }
        finish()
        return labels
    }

    private static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "\\" || $0 == "," || $0 == "=" }) else { return s }
        var out = ""
        for ch in s {
            if ch == "\\" || ch == "," || ch == "=" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
