/// A forward-only scanner over the bytes of a /proc file: whitespace-separated unsigned integers,
/// decimals and tokens, without building Strings on the hot path.
public struct ByteScanner {
    public let bytes: UnsafeRawBufferPointer
    public var index: Int

    public init(_ bytes: UnsafeRawBufferPointer, index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    public var isAtEnd: Bool { index >= bytes.count }

    public var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Skips spaces and tabs (not newlines).
    public mutating func skipBlanks() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }

    /// Moves past the next newline (or to the end).
    public mutating func skipLine() {
        while index < bytes.count, bytes[index] != 0x0A { index += 1 }
        if index < bytes.count { index += 1 }
    }

    /// Whether the rest of the current line is blank.
    public mutating func isAtEndOfLine() -> Bool {
        skipBlanks()
        return index >= bytes.count || bytes[index] == 0x0A
    }

    /// The next run of non-blank bytes on this line (may be empty at the end of a line).
    public mutating func token() -> UnsafeRawBufferPointer {
        skipBlanks()
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A { break }
            index += 1
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<index])
    }

    /// Bytes up to (not including) `delimiter` on this line; the scanner stops after the delimiter.
    public mutating func bytes(upTo delimiter: UInt8) -> UnsafeRawBufferPointer? {
        let start = index
        while index < bytes.count, bytes[index] != delimiter, bytes[index] != 0x0A { index += 1 }
        guard index < bytes.count, bytes[index] == delimiter else { return nil }
        defer { index += 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<index])
    }

    /// The next unsigned decimal on this line, or nil if the next token is not one.
    public mutating func unsigned() -> UInt64? {
        skipBlanks()
        var value: UInt64 = 0
        var digits = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte >= 0x30 && byte <= 0x39 else { break }
            value = value &* 10 &+ UInt64(byte &- 0x30)
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    /// The next signed decimal integer on this line.
    public mutating func signed() -> Int64? {
        skipBlanks()
        var negative = false
        if index < bytes.count, bytes[index] == 0x2D {
            negative = true
            index += 1
        }
        guard let magnitude = unsigned() else { return nil }
        let value = Int64(truncatingIfNeeded: magnitude)
        return negative ? -value : value
    }

    /// The next non-negative decimal like "12.34" on this line. Computed as mantissa / 10^k, which is
    /// correctly rounded, so "2.65" parses to exactly the literal 2.65.
    public mutating func decimal() -> Double? {
        skipBlanks()
        let start = index
        var mantissa: UInt64 = 0
        var scale = 1.0
        var inFraction = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                mantissa = mantissa &* 10 &+ UInt64(byte &- 0x30)
                if inFraction { scale *= 10 }
            } else if byte == 0x2E && !inFraction {
                inFraction = true
            } else {
                break
            }
            index += 1
        }
        return index > start ? Double(mantissa) / scale : nil
    }

    /// Skips `count` whitespace-separated tokens on this line.
    public mutating func skipTokens(_ count: Int) {
        for _ in 0..<count { _ = token() }
    }
}

extension UnsafeRawBufferPointer {
    /// Byte-wise equality with an ASCII literal, without allocating.
    @inlinable
    func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let other = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        return elementsEqual(other)
    }

    @inlinable
    func hasPrefix(_ literal: StaticString) -> Bool {
        guard count >= literal.utf8CodeUnitCount else { return false }
        return UnsafeRawBufferPointer(rebasing: self[0..<literal.utf8CodeUnitCount]).equals(literal)
    }

    /// The bytes as a String (for short names such as devices and interfaces).
    var string: String { String(decoding: self, as: UTF8.self) }
}

extension String {
    /// Runs `body` over the UTF-8 bytes of the string (convenience for parsing text in tests and cold paths).
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}
