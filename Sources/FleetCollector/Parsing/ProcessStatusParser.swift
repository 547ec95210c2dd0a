/// Reads the effective user id from /proc/<pid>/status ("Uid:\treal\teffective\tsaved\tfs"), the id
/// `ps` and `top` show as the process's user.
public enum ProcessStatusParser {
    public static func effectiveUserID(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        var scanner = ByteScanner(bytes)
        while !scanner.isAtEnd {
            if let key = scanner.bytes(upTo: 0x3A), key.equals("Uid") {
                _ = scanner.unsigned()
                return scanner.unsigned().map { UInt32(truncatingIfNeeded: $0) }
            }
            scanner.skipLine()
        }
        return nil
    }

    public static func effectiveUserID(_ text: String) -> UInt32? {
        text.withBytes { effectiveUserID($0) }
    }
}
