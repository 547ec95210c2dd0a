/// Parses /proc/uptime: the first field, seconds since boot.
public enum UptimeParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        var scanner = ByteScanner(bytes)
        return scanner.decimal()
    }

    public static func parse(_ text: String) -> Double? {
        text.withBytes { parse($0) }
    }
}
