import PostgresNIO

/// Writes rows in PostgreSQL's COPY text format: fields separated by a tab, rows ended by a newline,
/// `\N` for NULL, and backslash, tab, newline and carriage return escaped with a backslash
/// (https://www.postgresql.org/docs/15/sql-copy.html, "Text Format").
struct CopyTextEncoder {
    private(set) var buffer: ByteBuffer
    private var fieldsInRow = 0

    init(capacity: Int = 64 * 1024) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Bytes written so far.
    var count: Int { buffer.readableBytes }

    mutating func appendText(_ value: String) {
        separate()
        var value = value
        value.withUTF8 { bytes in
            // Most values need no escaping: copy them in one piece.
            guard bytes.contains(where: Self.needsEscape) else {
                buffer.writeBytes(bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }

    mutating func appendInteger(_ value: Int64) {
        separate()
        buffer.writeString(String(value))
    }

    /// Doubles are written in Swift's shortest round-trip form, which PostgreSQL reads back exactly.
    mutating func appendDouble(_ value: Double) {
        separate()
        writeDouble(value)
    }

    private mutating func writeDouble(_ value: Double) {
        if value.isNaN {
            buffer.writeStaticString("NaN")
        } else if value.isInfinite {
            buffer.writeStaticString(value < 0 ? "-Infinity" : "Infinity")
        } else {
            buffer.writeString(value.description)
        }
    }

    /// A `double precision[]` field in array-literal form (`{1.5,2,NaN}`): no element needs quoting or escaping.
    mutating func appendDoubleArray(_ values: [Double]) {
        separate()
        buffer.writeInteger(UInt8(ascii: "{"))
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            writeDouble(value)
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    mutating func appendNull() {
        separate()
        buffer.writeStaticString("\\N")
    }

    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        fieldsInRow = 0
    }

    /// Hands out what was written and starts over (for streaming large COPYs in chunks).
    mutating func take() -> ByteBuffer {
        let chunk = buffer
        buffer = ByteBufferAllocator().buffer(capacity: chunk.capacity)
        return chunk
    }

    private mutating func separate() {
        if fieldsInRow > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }
}
