import FleetBus
import Testing

@testable import FleetAMQP

@Suite struct AMQPHeadersTests {
    @Test func flattensScalars() {
        let headers = AMQPHeaders.flatten([
            (key: "s", value: .string("text")),
            (key: "i", value: .int(-3)),
            (key: "u", value: .uint(7)),
            (key: "b", value: .bool(true)),
            (key: "d", value: .decimal(decimals: 2, value: 1234)),
            (key: "small", value: .decimal(decimals: 3, value: 5)),
            (key: "list", value: .array([.string("a"), .int(2)])),
            (key: "nested", value: .table([(key: "k", value: .string("v"))])),
            (key: "raw", value: .bytes(Array("ok".utf8))),
        ])
        #expect(
            headers == [
                "s": "text", "i": "-3", "u": "7", "b": "true", "d": "12.34", "small": "0.005", "list": "a,2",
                "raw": "ok",
            ])
    }

    @Test func summarisesXDeath() {
        let death: (String, Int64, String) -> AMQPFieldValue = { queue, count, reason in
            .table([
                (key: "count", value: .int(count)),
                (key: "reason", value: .string(reason)),
                (key: "queue", value: .string(queue)),
                (key: "exchange", value: .string("")),
                (key: "time", value: .timestamp(1_700_000_000)),
                (key: "routing-keys", value: .array([.string(queue)])),
            ])
        }
        let headers = AMQPHeaders.flatten([
            (
                key: "x-death",
                value: .array([death("fleet.persist", 1, "delivery_limit"), death("fleet.normalize", 2, "rejected")])
            ),
            (key: "x-first-death-reason", value: .string("rejected")),
            (key: "x-delivery-count", value: .int(5)),
        ])
        #expect(headers["x-death-count"] == "3")
        #expect(headers["x-death-reason"] == "delivery_limit")
        #expect(headers["x-death-queue"] == "fleet.persist")
        #expect(headers["x-death-exchange"] == "")
        #expect(headers["x-first-death-reason"] == "rejected")
        #expect(headers["x-delivery-count"] == "5")
        #expect(headers["x-death"] == nil)
    }

    @Test func stringHeadersSurviveTheWireFormat() throws {
        let entries: [(key: String, value: AMQPFieldValue)] = [
            (key: BusHeader.deadLetterReason, value: .string("undecodable: ✗")),
            (key: "count", value: .int(Int64.max)),
            (key: "flag", value: .bool(false)),
            (
                key: "x-death",
                value: .array([.table([(key: "count", value: .int(4)), (key: "reason", value: .string("expired"))])])
            ),
        ]
        let decoded = try #require(AMQPDecoding.roundTrip(entries))
        #expect(decoded.map(\.key) == entries.map(\.key))
        #expect(decoded.map(\.value) == entries.map(\.value))
        let flat = AMQPHeaders.flatten(decoded)
        #expect(flat[BusHeader.deadLetterReason] == "undecodable: ✗")
        #expect(flat["x-death-count"] == "4")
        #expect(flat["x-death-reason"] == "expired")
    }

    @Test func queueArgumentsEncodeAsTypedValues() throws {
        let arena = CArena()
        let table = arena.table([
            "x-queue-type": Topology.Argument.string("quorum"), "x-delivery-limit": .int(5),
            "x-single-active-consumer": .bool(true),
        ])
        let decoded = AMQPDecoding.table(table)
        #expect(decoded.map(\.key) == ["x-delivery-limit", "x-queue-type", "x-single-active-consumer"])
        #expect(decoded.map(\.value) == [.int(5), .string("quorum"), .bool(true)])
    }
}
