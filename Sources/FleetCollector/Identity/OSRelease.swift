/// Reads os-release(5) files.
public enum OSRelease {
    /// The PRETTY_NAME value with shell quoting removed, or nil.
    public static func prettyName(_ text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            var value = line.dropFirst("PRETTY_NAME=".count)
            if let first = value.first, first == "\"" || first == "'", value.count >= 2, value.last == first {
                value = value.dropFirst().dropLast()
            }
            return value.replacingBackslashEscapes()
        }
        return nil
    }
}
