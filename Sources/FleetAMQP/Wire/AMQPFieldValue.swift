/// One value of an AMQP field table (message headers, queue arguments) as plain Swift, so header
/// handling is testable without the C library.
enum AMQPFieldValue: Sendable, Equatable {
    case string(String)
    case bytes([UInt8])
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case decimal(decimals: UInt8, value: UInt32)
    case timestamp(UInt64)
    case array([AMQPFieldValue])
    case table([(key: String, value: AMQPFieldValue)])
    case void

    static func == (lhs: AMQPFieldValue, rhs: AMQPFieldValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.bytes(let a), .bytes(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.uint(let a), .uint(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.decimal(let da, let va), .decimal(let db, let vb)): da == db && va == vb
        case (.timestamp(let a), .timestamp(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.table(let a), .table(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        case (.void, .void): true
        default: false
        }
    }

    /// The value as header text, or nil for tables (which have no single-string form).
    var scalarText: String? {
        switch self {
        case .string(let text): text
        case .bytes(let bytes): String(validating: bytes, as: UTF8.self)
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .uint(let value): String(value)
        case .double(let value): String(value)
        case .decimal(let decimals, let value): Self.decimalText(decimals: decimals, value: value)
        case .timestamp(let value): String(value)
        case .array(let values):
            values.compactMap(\.scalarText).joined(separator: ",")
        case .table: nil
        case .void: ""
        }
    }

    subscript(key: String) -> AMQPFieldValue? {
        guard case .table(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    private static func decimalText(decimals: UInt8, value: UInt32) -> String {
        guard decimals > 0 else { return String(value) }
        var digits = String(value)
        let places = Int(decimals)
        if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        return digits
    }
}

/// Turns AMQP header tables into `Delivery.headers` and back.
enum AMQPHeaders {
    /// Summary keys derived from the broker's `x-death` table array.
    static let deathCount = "x-death-count"
    static let deathReason = "x-death-reason"
    static let deathQueue = "x-death-queue"
    static let deathExchange = "x-death-exchange"

    /// Flattens decoded headers to strings. Scalars become their text and arrays of scalars a comma list.
    /// `x-death` (an array of tables, most recent first) becomes `x-death-count` (how often the message
    /// was dead-lettered, summed over all entries) and the reason, queue and exchange of the most
    /// recent entry. Other nested tables are dropped: nothing in Fleetwatch reads them.
    static func flatten(_ table: [(key: String, value: AMQPFieldValue)]) -> [String: String] {
        var headers: [String: String] = [:]
        headers.reserveCapacity(table.count)
        for (key, value) in table {
            if key == "x-death", case .array(let entries) = value {
                headers.merge(flattenDeaths(entries)) { _, new in new }
                continue
            }
            if case .array(let values) = value, values.contains(where: { if case .table = $0 { true } else { false } }) {
                continue
            }
            if let text = value.scalarText { headers[key] = text }
        }
        return headers
    }

    private static func flattenDeaths(_ entries: [AMQPFieldValue]) -> [String: String] {
        var result: [String: String] = [:]
        var total: Int64 = 0
        for entry in entries {
            switch entry["count"] {
            case .int(let count): total += count
            case .uint(let count): total += Int64(clamping: count)
            default: break
            }
        }
        result[deathCount] = String(total)
        if let latest = entries.first {
            if let reason = latest["reason"]?.scalarText { result[deathReason] = reason }
            if let queue = latest["queue"]?.scalarText { result[deathQueue] = queue }
            if let exchange = latest["exchange"]?.scalarText { result[deathExchange] = exchange }
        }
        return result
    }
}
