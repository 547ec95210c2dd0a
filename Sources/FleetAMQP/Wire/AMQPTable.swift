import CRabbitMQ
import FleetBus

#if canImport(Glibc)
    import Glibc
#endif

/// C memory that must outlive one rabbitmq-c call: strings and tables are copied in, the call is
/// made, then `reset()` frees everything. rabbitmq-c keeps no pointer past the call, and Swift
/// strings must not be handed over as temporary C strings (FIELD-NOTES).
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { reset() }

    func reset() {
        for pointer in allocations { free(pointer) }
        allocations.removeAll(keepingCapacity: true)
    }

    /// A copy of `text` as amqp_bytes_t (NUL-terminated as well, for the APIs that want a C string).
    func bytes(_ text: String) -> amqp_bytes_t {
        var text = text
        return text.withUTF8 { utf8 in
            let pointer = allocate(utf8.count + 1)
            if let base = utf8.baseAddress { pointer.copyMemory(from: base, byteCount: utf8.count) }
            pointer.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return amqp_bytes_t(len: utf8.count, bytes: pointer)
        }
    }

    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let pointer = malloc(max(size, 1))!
        allocations.append(pointer)
        return pointer
    }

    /// String headers as a field table of long strings.
    func table(_ headers: [String: String]) -> amqp_table_t {
        table(headers.map { (key: $0.key, value: AMQPFieldValue.string($0.value)) })
    }

    /// Queue arguments as a field table: strings, signed 64-bit integers and booleans.
    func table(_ arguments: [String: Topology.Argument]) -> amqp_table_t {
        table(
            arguments.sorted { $0.key < $1.key }.map { key, argument in
                let value: AMQPFieldValue =
                    switch argument {
                    case .string(let text): .string(text)
                    case .int(let number): .int(Int64(number))
                    case .bool(let flag): .bool(flag)
                    }
                return (key: key, value: value)
            })
    }

    func table(_ entries: [(key: String, value: AMQPFieldValue)]) -> amqp_table_t {
        guard !entries.isEmpty else { return amqp_empty_table }
        let cEntries = allocate(MemoryLayout<amqp_table_entry_t>.stride * entries.count)
            .bindMemory(to: amqp_table_entry_t.self, capacity: entries.count)
        for (index, entry) in entries.enumerated() {
            (cEntries + index).initialize(to: amqp_table_entry_t(key: bytes(entry.key), value: field(entry.value)))
        }
        return amqp_table_t(num_entries: Int32(entries.count), entries: cEntries)
    }

    func field(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .string(let text):
            field.kind = Self.kind(AMQP_FIELD_KIND_UTF8)
            field.value.bytes = bytes(text)
        case .bytes(let raw):
            field.kind = Self.kind(AMQP_FIELD_KIND_BYTES)
            let pointer = allocate(raw.count)
            raw.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            field.value.bytes = amqp_bytes_t(len: raw.count, bytes: pointer)
        case .bool(let flag):
            field.kind = Self.kind(AMQP_FIELD_KIND_BOOLEAN)
            field.value.boolean = flag ? 1 : 0
        case .int(let number):
            field.kind = Self.kind(AMQP_FIELD_KIND_I64)
            field.value.i64 = number
        case .uint(let number):
            field.kind = Self.kind(AMQP_FIELD_KIND_U64)
            field.value.u64 = number
        case .double(let number):
            field.kind = Self.kind(AMQP_FIELD_KIND_F64)
            field.value.f64 = number
        case .decimal(let decimals, let number):
            field.kind = Self.kind(AMQP_FIELD_KIND_DECIMAL)
            field.value.decimal = amqp_decimal_t(decimals: decimals, value: number)
        case .timestamp(let seconds):
            field.kind = Self.kind(AMQP_FIELD_KIND_TIMESTAMP)
            field.value.u64 = seconds
        case .array(let values):
            field.kind = Self.kind(AMQP_FIELD_KIND_ARRAY)
            let cValues = allocate(MemoryLayout<amqp_field_value_t>.stride * max(values.count, 1))
                .bindMemory(to: amqp_field_value_t.self, capacity: max(values.count, 1))
            for (index, element) in values.enumerated() { (cValues + index).initialize(to: self.field(element)) }
            field.value.array = amqp_array_t(num_entries: Int32(values.count), entries: cValues)
        case .table(let entries):
            field.kind = Self.kind(AMQP_FIELD_KIND_TABLE)
            field.value.table = table(entries)
        case .void:
            field.kind = Self.kind(AMQP_FIELD_KIND_VOID)
        }
        return field
    }

    static func kind(_ kind: amqp_field_value_kind_t) -> UInt8 { UInt8(truncatingIfNeeded: kind.rawValue) }
}

/// Reading rabbitmq-c tables and bytes into Swift values.
enum AMQPDecoding {
    static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let base = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    static func array(_ bytes: amqp_bytes_t) -> [UInt8] {
        guard bytes.len > 0, let base = bytes.bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: bytes.len))
    }

    static func table(_ table: amqp_table_t) -> [(key: String, value: AMQPFieldValue)] {
        guard table.num_entries > 0, let entries = table.entries else { return [] }
        return (0..<Int(table.num_entries)).map { index in
            let entry = entries[index]
            return (key: string(entry.key), value: field(entry.value))
        }
    }

    static func field(_ field: amqp_field_value_t) -> AMQPFieldValue {
        switch field.kind {
        case CArena.kind(AMQP_FIELD_KIND_UTF8): .string(string(field.value.bytes))
        case CArena.kind(AMQP_FIELD_KIND_BYTES): .bytes(array(field.value.bytes))
        case CArena.kind(AMQP_FIELD_KIND_BOOLEAN): .bool(field.value.boolean != 0)
        case CArena.kind(AMQP_FIELD_KIND_I8): .int(Int64(field.value.i8))
        case CArena.kind(AMQP_FIELD_KIND_U8): .int(Int64(field.value.u8))
        case CArena.kind(AMQP_FIELD_KIND_I16): .int(Int64(field.value.i16))
        case CArena.kind(AMQP_FIELD_KIND_U16): .int(Int64(field.value.u16))
        case CArena.kind(AMQP_FIELD_KIND_I32): .int(Int64(field.value.i32))
        case CArena.kind(AMQP_FIELD_KIND_U32): .int(Int64(field.value.u32))
        case CArena.kind(AMQP_FIELD_KIND_I64): .int(field.value.i64)
        case CArena.kind(AMQP_FIELD_KIND_U64): .uint(field.value.u64)
        case CArena.kind(AMQP_FIELD_KIND_F32): .double(Double(field.value.f32))
        case CArena.kind(AMQP_FIELD_KIND_F64): .double(field.value.f64)
        case CArena.kind(AMQP_FIELD_KIND_DECIMAL):
            .decimal(decimals: field.value.decimal.decimals, value: field.value.decimal.value)
        case CArena.kind(AMQP_FIELD_KIND_TIMESTAMP): .timestamp(field.value.u64)
        case CArena.kind(AMQP_FIELD_KIND_ARRAY):
            .array(
                field.value.array.num_entries > 0 && field.value.array.entries != nil
                    ? (0..<Int(field.value.array.num_entries)).map { Self.field(field.value.array.entries[$0]) } : [])
        case CArena.kind(AMQP_FIELD_KIND_TABLE): .table(table(field.value.table))
        default: .void
        }
    }

    /// Encodes `entries` to the AMQP wire form and decodes them again, as the broker would see them:
    /// lets tests check the C conversion in both directions without a broker.
    static func roundTrip(_ entries: [(key: String, value: AMQPFieldValue)]) -> [(key: String, value: AMQPFieldValue)]? {
        let arena = CArena()
        var input = arena.table(entries)
        let capacity = 65_536
        let buffer = arena.allocate(capacity)
        var offset = 0
        guard amqp_encode_table(amqp_bytes_t(len: capacity, bytes: buffer), &input, &offset) == AMQP_STATUS_OK.rawValue
        else { return nil }
        var pool = amqp_pool_t()
        init_amqp_pool(&pool, 4096)
        defer { empty_amqp_pool(&pool) }
        var output = amqp_table_t()
        var readOffset = 0
        guard
            amqp_decode_table(amqp_bytes_t(len: offset, bytes: buffer), &pool, &output, &readOffset)
                == AMQP_STATUS_OK.rawValue
        else { return nil }
        return table(output)
    }
}
