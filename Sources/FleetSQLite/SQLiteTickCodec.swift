import Foundation

/// The `vals` blob of a `ticks` row: the tick's values in layout order, each a little-endian IEEE 754 Float64
/// (8 bytes), nothing else. Fixed width, so one series is read at offset 8 × its layout position without
/// decoding the others, and the blob is exactly as long as its layout: no length or type bytes to store.
enum SQLiteTickCodec {
    static let width = 8

    static func encode(_ values: [Double]) -> Data {
        var data = Data(count: values.count * width)
        data.withUnsafeMutableBytes { bytes in
            for (index, value) in values.enumerated() {
                bytes.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: index * width, as: UInt64.self)
            }
        }
        return data
    }

    /// How many values `bytes` holds.
    static func count(_ bytes: UnsafeRawBufferPointer) -> Int { bytes.count / width }

    /// The value at layout position `index`; the caller checks `index < count(bytes)`.
    static func value(at index: Int, in bytes: UnsafeRawBufferPointer) -> Double {
        Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * width, as: UInt64.self)))
    }

    static func decode(_ data: Data) -> [Double] {
        data.withUnsafeBytes { bytes in (0..<count(bytes)).map { value(at: $0, in: bytes) } }
    }
}
