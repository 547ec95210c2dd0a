/// Machine ids travel in AMQP routing keys (raw.<source>.<machine>), so they must match
/// [A-Za-z0-9_-]{1,128}: no dots, no spaces.
public enum MachineID {
    public static let maximumLength = 128

    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maximumLength && id.utf8.allSatisfy(isAllowed)
    }

    /// What is wrong with `id`, or nil when it is valid (for precise validation messages).
    public static func problem(with id: String) -> String? {
        if id.isEmpty { return "is empty" }
        if id.utf8.count > maximumLength { return "is longer than \(maximumLength) bytes" }
        if !id.utf8.allSatisfy(isAllowed) {
            return "must contain only letters, digits, '_' and '-' (got '\(id.prefix(40))')"
        }
        return nil
    }

    /// Checks an id given by the operator; never rewrites it, so the machine shows up under the name asked for.
    public static func validate(_ id: String, source: String = "FLEETWATCH_MACHINE_ID") throws -> String {
        guard isValid(id) else { throw MachineIDError(source: source, value: id) }
        return id
    }

    /// Derives a valid id from a discovered name (a hostname like "web-1.example.com" → "web-1-example-com").
    /// Returns nil if nothing usable is left.
    public static func sanitize(_ raw: String) -> String? {
        var bytes = raw.utf8
            .filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D) }
            .map { isAllowed($0) ? $0 : UInt8(ascii: "-") }
        if bytes.count > maximumLength { bytes.removeLast(bytes.count - maximumLength) }
        let id = String(decoding: bytes, as: UTF8.self)
        return bytes.contains(where: { $0 != UInt8(ascii: "-") }) ? id : nil
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}

/// A machine id that cannot be used, with what to do about it.
public struct MachineIDError: Error, CustomStringConvertible, Sendable, Equatable {
    public var source: String
    public var value: String

    public init(source: String, value: String) {
        self.source = source
        self.value = value
    }

    public var description: String {
        "\(source): expected 1 to 128 characters of [A-Za-z0-9_-] "
            + "(no dots: the id is part of AMQP routing keys), got '\(value)'"
    }
}
