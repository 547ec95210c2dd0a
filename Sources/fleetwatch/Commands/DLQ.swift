import ArgumentParser
import FleetAMQP
import FleetBus
import FleetRuntime
import FleetSettings
import Foundation
import Logging

struct DLQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Lists, replays or purges the dead-letter queue of a durable queue (QUEUE.dlq).",
        subcommands: [List.self, Replay.self, Purge.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shows dead-lettered messages with their reasons; they stay in the queue.")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The durable queue, e.g. fleet.normalize (its DLQ is fleet.normalize.dlq).") var queue: String
        @Option(help: "At most this many messages.") var limit = 100
        @Flag(help: "JSON output for scripts.") var json = false

        func run() async throws {
            let bus = try AMQPBus(url: broker.url, logger: Logger(label: "fleetwatch.dlq"))
            let consumer = try await bus.consume(queue: FleetQueue.deadLetter(of: queue), prefetch: max(1, limit))
            let messages = try await drain(consumer, limit: limit)
            try await consumer.requeue(messages)
            await consumer.close()
            await bus.shutdown()
            let entries = messages.map(DeadLetter.init)
            if json {
                let data = try JSONEncoder.sorted.encode(entries)
                print(String(decoding: data, as: UTF8.self))
            } else if entries.isEmpty {
                print("\(FleetQueue.deadLetter(of: queue)) is empty")
            } else {
                for entry in entries {
                    print("\(entry.routingKey)\t\(entry.bytes) bytes\t\(entry.type ?? "-")\t\(entry.reason)")
                }
                print("\(entries.count) message(s) in \(FleetQueue.deadLetter(of: queue))")
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publishes dead-lettered messages back to where they came from, then removes them.")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The durable queue whose DLQ to replay.") var queue: String
        @Option(help: "At most this many messages.") var limit = 10_000

        func run() async throws {
            let bus = try AMQPBus(url: broker.url, logger: Logger(label: "fleetwatch.dlq"))
            let consumer = try await bus.consume(queue: FleetQueue.deadLetter(of: queue), prefetch: min(limit, 500))
            // Every replayed copy carries this run's id: a message that fails again comes back to the DLQ
            // with it, and meeting it means everything that was there has been replayed once.
            let run = String(UInt64.random(in: 1...UInt64.max), radix: 36)
            var replayed = 0
            replaying: while replayed < limit {
                var batch = try await drain(consumer, limit: min(500, limit - replayed))
                if batch.isEmpty { break }
                if let seen = batch.firstIndex(where: { $0.headers[DeadLetter.replayRunHeader] == run }) {
                    try await consumer.requeue(Array(batch[seen...]))
                    batch = Array(batch[..<seen])
                    if batch.isEmpty { break replaying }
                }
                let outgoing = batch.map { DeadLetter.replayMessage(for: $0, queue: queue, run: run) }
                try await bus.publish(outgoing)
                try await consumer.ack(batch)
                replayed += batch.count
                FileHandle.standardError.write(Data("replayed \(replayed)\n".utf8))
            }
            await consumer.close()
            await bus.shutdown()
            print("replayed \(replayed) message(s) from \(FleetQueue.deadLetter(of: queue))")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deletes every message of QUEUE.dlq.")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The durable queue whose DLQ to purge.") var queue: String

        func run() async throws {
            let bus = try AMQPBus(url: broker.url, logger: Logger(label: "fleetwatch.dlq"))
            let count = try await bus.purge(queue: FleetQueue.deadLetter(of: queue))
            await bus.shutdown()
            print("purged \(count) message(s) from \(FleetQueue.deadLetter(of: queue))")
        }
    }
}

/// Takes what is in the queue now, up to `limit`, waiting at most a moment for the first message.
private func drain(_ consumer: any MessageConsumer, limit: Int) async throws -> [Delivery] {
    try await withThrowingTaskGroup(of: [Delivery]?.self) { group in
        group.addTask { try await consumer.nextBatch(max: limit, window: .milliseconds(300)) }
        group.addTask {
            try await Task.sleep(for: .seconds(2))
            return nil
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let batch = result { return batch }
            return []
        }
        return []
    }
}

/// A dead-lettered message as the CLI shows it.
struct DeadLetter: Encodable {
    var routingKey: String
    var type: String?
    var bytes: Int
    var reason: String
    var originalExchange: String?
    var originalRoutingKey: String?
    var redelivered: Bool

    init(_ delivery: Delivery) {
        routingKey = delivery.headers[BusHeader.originalRoutingKey] ?? delivery.routingKey
        type = delivery.type
        bytes = delivery.body.count
        reason =
            delivery.headers[BusHeader.deadLetterReason] ?? delivery.headers["x-death-reason"].map { "broker: \($0)" }
            ?? "unknown"
        originalExchange = delivery.headers[BusHeader.originalExchange] ?? delivery.headers["x-death-exchange"]
        originalRoutingKey = delivery.headers[BusHeader.originalRoutingKey]
        redelivered = delivery.redelivered
    }

    enum CodingKeys: String, CodingKey {
        case routingKey = "routing_key", type, bytes, reason, originalExchange = "original_exchange"
        case originalRoutingKey = "original_routing_key", redelivered
    }

    /// Marks a copy published by one `dlq replay` run.
    static let replayRunHeader = "fleetwatch-replay-run"

    /// The message as it was before it was dead-lettered, sent straight back into `queue` through the
    /// default exchange: a broker-dead-lettered message no longer knows its original routing key, and
    /// only that queue's consumers should see it again.
    static func replayMessage(for delivery: Delivery, queue: String, run: String) -> OutgoingMessage {
        var headers = delivery.headers.filter {
            !$0.key.hasPrefix("x-fleetwatch-") && !$0.key.hasPrefix("x-death") && $0.key != "x-first-death"
        }
        headers[replayRunHeader] = run
        return OutgoingMessage(exchange: "", routingKey: queue, body: delivery.body, type: delivery.type ?? "", headers: headers)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
