import FleetProto
import Foundation
import Testing

@testable import FleetCollector

@Suite("BatchBuffer")
struct BatchBufferTests {
    static func batch(_ marker: Int64, readings: Int = 1) -> Fleetwatch_V1_RawBatch {
        var batch = Fleetwatch_V1_RawBatch()
        batch.machineID = "m-1"
        batch.source = "proc"
        batch.timestampMs = marker
        batch.readings = (0..<readings).map { index in
            var reading = Fleetwatch_V1_Reading()
            reading.key = "uptime.seconds"
            reading.value = Double(index)
            return reading
        }
        return batch
    }

    @Test func assignsSequencesFromOneAndKeepsOrder() throws {
        let directory = Fixture.temporaryDirectory()
        let buffer = try BatchBuffer(directory: directory, durable: false)
        #expect(buffer.nextSequence == 1)
        for marker in 1...5 { try buffer.append(Self.batch(Int64(marker * 100))) }
        let pending = buffer.pending()
        #expect(pending.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(pending.map(\.timestampMs) == [100, 200, 300, 400, 500])
        #expect(buffer.depth == 5)
        #expect(buffer.pending(after: 2, limit: 2).map(\.sequence) == [3, 4])
    }

    @Test func ackRemovesInAnyOrder() throws {
        let buffer = try BatchBuffer(directory: Fixture.temporaryDirectory(), durable: false)
        for marker in 1...5 { try buffer.append(Self.batch(Int64(marker))) }
        #expect(buffer.ack(3))
        #expect(buffer.ack(1))
        #expect(!buffer.ack(1))
        #expect(!buffer.ack(99))
        #expect(buffer.pending().map(\.sequence) == [2, 4, 5])
        #expect(buffer.oldestSequence == 2)
        #expect(buffer.depth == 3)
        #expect(buffer.reject(4))
        #expect(buffer.rejectedBatches == 1)
        #expect(buffer.pending().map(\.sequence) == [2, 5])
    }

    @Test func reloadsUnackedBatchesAfterRestartAndNeverReusesASequence() throws {
        let directory = Fixture.temporaryDirectory()
        do {
            let buffer = try BatchBuffer(directory: directory)
            for marker in 1...4 { try buffer.append(Self.batch(Int64(marker))) }
            buffer.ack(1)
            buffer.ack(4)  // the highest one is gone: only next-sequence remembers it
        }
        let reopened = try BatchBuffer(directory: directory)
        #expect(reopened.pending().map(\.sequence) == [2, 3])
        #expect(reopened.pending().map(\.timestampMs) == [2, 3])
        #expect(try reopened.append(Self.batch(5)) == 5)
        reopened.ack(2)
        reopened.ack(3)
        reopened.ack(5)
        #expect(reopened.depth == 0)
        let empty = try BatchBuffer(directory: directory)
        #expect(empty.depth == 0)
        #expect(try empty.append(Self.batch(6)) == 6)
    }

    @Test func leftoverTemporaryFilesAreIgnored() throws {
        let directory = Fixture.temporaryDirectory()
        do {
            let buffer = try BatchBuffer(directory: directory, durable: false)
            try buffer.append(Self.batch(1))
        }
        // A crash in the middle of an append leaves only a temp file.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: directory + "/batches/00000000000000000002.pb.tmp"))
        let reopened = try BatchBuffer(directory: directory, durable: false)
        #expect(reopened.pending().map(\.sequence) == [1])
        #expect(!FileManager.default.fileExists(atPath: directory + "/batches/00000000000000000002.pb.tmp"))
        #expect(reopened.nextSequence == 2)
    }

    @Test func countCapDropsTheOldestAndCountsIt() throws {
        let buffer = try BatchBuffer(directory: Fixture.temporaryDirectory(), maxBatches: 3, durable: false)
        for marker in 1...5 { try buffer.append(Self.batch(Int64(marker))) }
        #expect(buffer.pending().map(\.sequence) == [3, 4, 5])
        #expect(buffer.droppedBatches == 2)
        #expect(buffer.depth == 3)
    }

    @Test func byteCapDropsTheOldest() throws {
        let unsequenced: [UInt8] = try Self.batch(1, readings: 50).serializedBytes()
        let size = unsequenced.count + 2  // the sequence field: tag and a one-byte varint
        let buffer = try BatchBuffer(
            directory: Fixture.temporaryDirectory(), maxBatches: 100, maxBytes: size * 3, durable: false)
        for marker in 1...6 { try buffer.append(Self.batch(Int64(marker), readings: 50)) }
        #expect(buffer.pending().map(\.sequence) == [4, 5, 6] as [UInt64])
        #expect(buffer.droppedBatches == 3)
        #expect(buffer.byteCount == size * 3)
    }

    @Test func aLowerCapOnRestartDropsTheOldest() throws {
        let directory = Fixture.temporaryDirectory()
        do {
            let buffer = try BatchBuffer(directory: directory, durable: false)
            for marker in 1...4 { try buffer.append(Self.batch(Int64(marker))) }
        }
        let smaller = try BatchBuffer(directory: directory, maxBatches: 2, durable: false)
        #expect(smaller.pending().map(\.sequence) == [3, 4])
        #expect(smaller.droppedBatches == 2)
    }

    @Test func manyAcksInOrderCompactTheIndex() throws {
        let buffer = try BatchBuffer(directory: Fixture.temporaryDirectory(), durable: false)
        for marker in 1...3000 { try buffer.append(Self.batch(Int64(marker))) }
        for sequence in 1...2990 { #expect(buffer.ack(UInt64(sequence))) }
        #expect(buffer.pending().map(\.sequence) == (2991...3000).map { UInt64($0) })
        #expect(buffer.oldestSequence == 2991)
    }

    @Test func anUnwritableDirectoryIsAClearError() throws {
        let file = Fixture.temporaryDirectory() + "/not-a-directory"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let error = #expect(throws: BatchBufferError.self) { try BatchBuffer(directory: file + "/x") }
        #expect(error?.description.hasPrefix("FLEETWATCH_DATA_DIR: cannot create directory") == true)
    }
}
