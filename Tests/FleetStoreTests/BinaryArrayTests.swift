import NIOCore
import Testing

@testable import FleetPostgres

@Suite struct BinaryArrayTests {
    /// array_send's bytes: `elements` (nil: a NULL element) of type `oid`, in one dimension or the ones given.
    private func wire(oid: UInt32, _ elements: [UInt64?], dimensions: [Int32]? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        let dimensions = dimensions ?? [Int32(elements.count)]
        buffer.writeInteger(Int32(dimensions.count))
        buffer.writeInteger(Int32(elements.contains(nil) ? 1 : 0))
        buffer.writeInteger(oid)
        for length in dimensions {
            buffer.writeInteger(length)
            buffer.writeInteger(Int32(1))
        }
        for element in elements {
            if let element {
                buffer.writeInteger(Int32(8))
                buffer.writeInteger(element)
            } else {
                buffer.writeInteger(Int32(-1))
            }
        }
        return buffer
    }

    @Test func doublesAndIntegersReadBackExactly() throws {
        let doubles = [0.1, -2.5e300, 42, .leastNonzeroMagnitude]
        #expect(try BinaryArray.doubles(wire(oid: 701, doubles.map { $0.bitPattern })) == doubles)
        let integers: [Int64] = [1_795_000_000_000, -1, 0, .max]
        #expect(try BinaryArray.int64s(wire(oid: 20, integers.map { UInt64(bitPattern: $0) })) == integers)
    }

    /// The summaries' slices come back as arrays of three dimensions (minutes × slots × 1): flat, last index fastest.
    @Test func anArrayOfSeveralDimensionsComesBackFlat() throws {
        let values = (0..<6).map { Double($0) }
        #expect(try BinaryArray.doubles(wire(oid: 701, values.map { $0.bitPattern }, dimensions: [2, 3, 1])) == values)
        // Dimensions whose product is not the element count are refused.
        #expect(throws: BinaryArray.Malformed.self) {
            try BinaryArray.doubles(wire(oid: 701, values.map { $0.bitPattern }, dimensions: [2, 2]))
        }
    }

    @Test func anArrayWithoutDimensionsIsEmpty() throws {
        var empty = ByteBuffer()
        empty.writeInteger(Int32(0))
        empty.writeInteger(Int32(0))
        empty.writeInteger(UInt32(701))
        #expect(try BinaryArray.doubles(empty) == [])
    }

    @Test func nullElementsOtherTypesAndShortBytesAreRefused() {
        #expect(throws: BinaryArray.Malformed.self) { try BinaryArray.doubles(wire(oid: 701, [1, nil])) }
        #expect(throws: BinaryArray.Malformed.self) { try BinaryArray.doubles(wire(oid: 20, [1])) }
        var short = wire(oid: 701, [1, 2])
        short.moveWriterIndex(to: short.writerIndex - 3)
        #expect(throws: BinaryArray.Malformed.self) { try BinaryArray.doubles(short) }
        #expect(throws: BinaryArray.Malformed.self) { try BinaryArray.doubles(ByteBuffer(bytes: [0, 0])) }
    }
}
