import ArgumentParser
import FleetAMQP
import FleetPostgres
import FleetRuntime
import FleetSettings
import FleetStore
import Logging

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Baseline benchmarks measured on this machine (docs/benchmarks.md; scripts/bench runs them all).",
        subcommands: [AMQP.self, Store.self, History.self]
    )

    struct AMQP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "amqp", abstract: "Raw rabbitmq-c publish-with-confirms and consume throughput of small messages.")
        @OptionGroup var broker: BrokerOptions
        @Option(help: "Messages.") var count = 100_000
        @Option(help: "Messages per confirmed publish call.") var batch = 500

        func run() async throws {
            let result = try await AMQPBenchmark.publishConsume(url: broker.url, count: count, batch: batch)
            print("amqp publish+confirm: \(Int(result.publishPerSecond)) msg/s")
            print("amqp consume+ack:     \(Int(result.consumePerSecond)) msg/s")
        }
    }

    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Raw COPY + idempotent insert and the full persist path into PostgreSQL (scratch schema).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Rows per measurement.") var rows = 200_000
        @Option(help: "Rows per transaction.") var rowsPerTransaction = 10_000

        func run() async throws {
            // Prints each figure as it is measured.
            _ = try await StoreBenchmark.run(
                configuration: try PostgresStoreConfiguration(url: database.url), rows: rows,
                rowsPerTransaction: rowsPerTransaction)
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "History query latency (1 h raw, 30 d rollups) over a fleet's worth of data (scratch schema).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Machines whose hour of 1 s ticks and 30 days of hour rollups are loaded.") var machines = 1_000
        @Option(help: "Queries per measurement.") var queries = 300
        @Option(help: "Load into this new schema and keep it (scripts/bench-history queries it through a gateway).")
        var keepSchema: String?

        func run() async throws {
            guard machines > 0, queries > 10 else { throw ValidationError("--machines must be > 0 and --queries > 10") }
            if let keepSchema,
                keepSchema.first.map({ $0.isNumber }) ?? true
                    || !keepSchema.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
            {
                throw ValidationError(
                    "--keep-schema must be a lower-case SQL name (a-z, 0-9, _; not starting with a digit), got '\(keepSchema)'")
            }
            _ = try await HistoryBenchmark.run(
                configuration: try PostgresStoreConfiguration(url: database.url), machines: machines, queries: queries,
                keepSchema: keepSchema)
        }
    }
}
