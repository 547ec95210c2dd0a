import FleetProto
import Foundation
import Testing

@testable import FleetCollector

/// The outbox keeps its numbers unique across restarts with a marker file instead of an fsynced
/// `next-sequence` per append (issue 14: fewer fsyncs per tick).
@Suite("BatchBuffer high-water marker")
struct BatchBufferHighWaterTests {
    private static func files(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/batches").sorted()
    }

    @Test func appendWritesOnlyTheBatchFile() throws {
        let directory = Fixture.temporaryDirectory()
        let buffer = try BatchBuffer(directory: directory)
        for marker in 1...3 { try buffer.append(BatchBufferTests.batch(Int64(marker))) }
        #expect(!FileManager.default.fileExists(atPath: directory + "/next-sequence"))
        #expect(try Self.files(directory) == (1...3).map { String(format: "%020d.pb", $0) })
    }

    @Test func theHighestAckedBatchBecomesTheMarkerAndOnlyOneMarkerStays() throws {
        let directory = Fixture.temporaryDirectory()
        do {
            let buffer = try BatchBuffer(directory: directory)
            for marker in 1...3 { try buffer.append(BatchBufferTests.batch(Int64(marker))) }
            buffer.ack(3)  // out of order: the highest goes first
            buffer.ack(1)
            #expect(try Self.files(directory) == ["00000000000000000002.pb", "00000000000000000003.acked"])
            buffer.ack(2)
            try buffer.append(BatchBufferTests.batch(4))
            buffer.ack(4)
            #expect(try Self.files(directory) == ["00000000000000000004.acked"])
        }
        let reopened = try BatchBuffer(directory: directory)
        #expect(reopened.depth == 0)
        #expect(reopened.pending().isEmpty)
        #expect(try reopened.append(BatchBufferTests.batch(5)) == 5)
    }

    @Test func aDroppedHighestBatchStillCountsAndStaleMarkersAreRemoved() throws {
        let directory = Fixture.temporaryDirectory()
        do {
            let buffer = try BatchBuffer(directory: directory, maxBatches: 1)
            for marker in 1...2 { try buffer.append(BatchBufferTests.batch(Int64(marker))) }
            #expect(buffer.reject(2))  // the newest, refused by the edge
        }
        // A crash between the marker's rename and the old marker's unlink leaves two markers.
        #expect(FileManager.default.createFile(atPath: directory + "/batches/00000000000000000001.acked", contents: Data()))
        let reopened = try BatchBuffer(directory: directory)
        #expect(reopened.nextSequence == 3)
        #expect(try Self.files(directory) == ["00000000000000000002.acked"])
    }

    @Test func aNextSequenceFileFromAnEarlierVersionIsHonoured() throws {
        let directory = Fixture.temporaryDirectory()
        _ = try BatchBuffer(directory: directory)
        try Data("41\n".utf8).write(to: URL(fileURLWithPath: directory + "/next-sequence"))
        let reopened = try BatchBuffer(directory: directory)
        #expect(try reopened.append(BatchBufferTests.batch(1)) == 41)
    }
}
