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
        @Option(help: "table (default) or json.") var output: ClientOptions.OutputFormat = .table
        @Flag(help: .hidden) var json = false  // Deprecated spelling of --output json, kept for old scripts.

        func run() async throws {
            let entries = try await withDeadLetterQueue(of: queue, broker: broker) { try await $0.list(limit: limit) }
            let dlq = FleetQueue.deadLetter(of: queue)
            if json || output == .json {
                let data = try JSONEncoder.sorted.encode(entries)
                print(String(decoding: data, as: UTF8.self))
            } else if entries.isEmpty {
                print("\(dlq) is empty")
            } else {
                for entry in entries {
                    print("\(entry.routingKey)\t\(entry.bytes) bytes\t\(entry.type ?? "-")\t\(entry.reason)")
                }
                print("\(entries.count) message(s) in \(dlq)")
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
            let replayed = try await withDeadLetterQueue(of: queue, broker: broker) {
                try await $0.replay(limit: limit) { total in
                    FileHandle.standardError.write(Data("replayed \(total)\n".utf8))
                }
            }
            print("replayed \(replayed) message(s) from \(FleetQueue.deadLetter(of: queue))")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deletes every message of QUEUE.dlq.")
        @OptionGroup var broker: BrokerOptions
        @Argument(help: "The durable queue whose DLQ to purge.") var queue: String

        func run() async throws {
            let count = try await withDeadLetterQueue(of: queue, broker: broker) { try await $0.purge() }
            print("purged \(count) message(s) from \(FleetQueue.deadLetter(of: queue))")
        }
    }
}

/// Runs `body` on the dead-letter queue of `queue` over a bus to the broker, which is shut down afterwards.
private func withDeadLetterQueue<Result: Sendable>(
    of queue: String, broker: BrokerOptions, _ body: (DeadLetterQueue) async throws -> Result
) async throws -> Result {
    let bus = try AMQPBus(url: broker.url, logger: Logger(label: "fleetwatch.dlq"))
    do {
        let result = try await body(DeadLetterQueue(of: queue, on: bus))
        await bus.shutdown()
        return result
    } catch {
        await bus.shutdown()
        throw error
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
