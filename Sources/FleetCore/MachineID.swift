/// Machine ids travel inside AMQP routing keys, so they are restricted to letters, digits, `_` and `-`.
public enum MachineID {
    public static let maxLength = 128

    public static func validate(_ id: String) -> String? {
        if id.isEmpty { return "is empty" }
        if id.utf8.count > maxLength { return "is longer than \(maxLength) bytes" }
        let ok = id.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
        }
        return ok ? nil : "must contain only letters, digits, '_' and '-' (got '\(id.prefix(40))')"
    }
}
