import FleetCore
import FleetProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

/// Simulates `machines` collectors over real gRPC against an ingest edge on this machine: each keeps
/// one Publish stream and sends a batch every `interval`, with at most `maxInFlight` unacked, as a
/// collector does (a tick that finds the limit reached is deferred: a collector would keep it in its
/// outbox). Bounded by `duration`; loopback only, in plaintext or TLS.
public struct LoadGenerator: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var token: String
        public var machines: Int
        public var interval: Duration
        public var duration: Duration
        public var seed: UInt64 = 1
        /// Machines per HTTP/2 connection.
        public var machinesPerConnection = 100
        /// Unacked batches per machine before ticks are deferred (a collector sends one at a time by default).
        /// Without a limit a slow edge would have every unacked batch buffered in its HTTP/2 streams.
        public var maxInFlight = 1
        /// Plaintext, or TLS to an edge that serves it (the CA and client certificate of `ClientTLSFiles`).
        public var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity = .plaintext

        public init(host: String, port: Int, token: String, machines: Int, interval: Duration, duration: Duration) {
            self.host = host
            self.port = port
            self.token = token
            self.machines = machines
            self.interval = interval
            self.duration = duration
        }
    }

    public enum ConfigurationError: Error, CustomStringConvertible {
        case notLoopback(String)
        case outOfBounds(String)

        public var description: String {
            switch self {
            case .notLoopback(let host): "loadgen targets this machine only: '\(host)' is not a loopback address (use 127.0.0.1)"
            case .outOfBounds(let what): what
            }
        }
    }

    public let configuration: Configuration
    private let now: @Sendable () -> Int64

    public init(_ configuration: Configuration, now: @escaping @Sendable () -> Int64) throws(ConfigurationError) {
        guard ["127.0.0.1", "localhost", "::1"].contains(configuration.host) || configuration.host.hasPrefix("127.") else {
            throw .notLoopback(configuration.host)
        }
        guard (1...100_000).contains(configuration.machines) else { throw .outOfBounds("--machines must be 1...100000") }
        guard configuration.interval >= .milliseconds(100) else { throw .outOfBounds("--interval must be at least 0.1 s") }
        guard configuration.duration > .zero, configuration.duration <= .seconds(24 * 3600) else {
            throw .outOfBounds("--duration must be more than 0 and at most 24 h")
        }
        self.configuration = configuration
        self.now = now
    }

    /// Runs to the end of `duration` (or cancellation), then waits for outstanding acks and reports.
    public func run(progress: @escaping @Sendable (LoadReport) -> Void = { _ in }) async throws -> LoadReport {
        let tally = Tally()
        let started = ContinuousClock.now
        let deadline = started + configuration.duration
        let connections = (configuration.machines + configuration.machinesPerConnection - 1) / configuration.machinesPerConnection
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: .seconds(5))
                    progress(tally.report(elapsed: ContinuousClock.now - started))
                }
            }
            for connection in 0..<connections {
                let first = connection * configuration.machinesPerConnection
                let machines = first..<min(configuration.machines, first + configuration.machinesPerConnection)
                group.addTask { try await runConnection(machines: machines, deadline: deadline, tally: tally) }
            }
            // The progress task ends at the deadline too; any error cancels the rest.
            try await group.waitForAll()
        }
        return tally.report(elapsed: ContinuousClock.now - started)
    }

    private func runConnection(machines: Range<Int>, deadline: ContinuousClock.Instant, tally: Tally) async throws {
        let transport = try HTTP2ClientTransport.Posix(
            target: .ipv4(
                address: configuration.host == "localhost" ? "127.0.0.1" : configuration.host, port: configuration.port),
            transportSecurity: configuration.transportSecurity)
        try await withGRPCClient(transport: transport) { client in
            let ingest = Fleetwatch_V1_Ingest.Client(wrapping: client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in machines {
                    group.addTask {
                        // Spread the machines over the interval, as real collectors are.
                        let offset = configuration.interval * (Double(index % 1000) / 1000)
                        try await Task.sleep(for: offset)
                        try await simulate(index: index, ingest: ingest, deadline: deadline, tally: tally)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    private func simulate(
        index: Int, ingest: Fleetwatch_V1_Ingest.Client<HTTP2ClientTransport.Posix>, deadline: ContinuousClock.Instant,
        tally: Tally
    ) async throws {
        let sentAt = Mutex<[UInt64: ContinuousClock.Instant]>([:])
        let interval = configuration.interval
        let maxInFlight = max(1, configuration.maxInFlight)
        let seed = configuration.seed
        let now = self.now
        try await ingest.publish(metadata: ["authorization": "Bearer \(configuration.token)"]) { writer in
            var machine = SimulatedMachine(index: index, seed: seed, nowMs: now())
            var next = ContinuousClock.now
            while next < deadline {
                if sentAt.withLock({ $0.count }) >= maxInFlight {
                    tally.deferred()
                } else {
                    let batch = machine.nextBatch(nowMs: now())
                    sentAt.withLock { $0[batch.sequence] = ContinuousClock.now }
                    try await writer.write(batch)
                    tally.sent(readings: batch.readings.count)
                }
                next += interval
                try await Task.sleep(until: next)
            }
        } onResponse: { response in
            for try await message in response.messages {
                guard case .ack(let ack) = message.kind else { continue }
                if let sent = sentAt.withLock({ $0.removeValue(forKey: ack.sequence) }) {
                    tally.acked(latency: ContinuousClock.now - sent)
                }
            }
        }
    }
}

/// What a load run achieved.
public struct LoadReport: Sendable, CustomStringConvertible {
    public var batchesSent: Int
    public var batchesAcked: Int
    /// Ticks not sent because the machine already had `maxInFlight` batches unacked: the edge was behind.
    public var ticksDeferred: Int
    public var samplesSent: Int
    public var elapsed: Duration
    /// Time from sending a batch to its ack (edge validated and the broker confirmed), in milliseconds.
    public var ackLatencyP50: Double
    public var ackLatencyP99: Double

    public var batchesPerSecond: Double { Double(batchesAcked) / seconds }
    public var readingsPerSecond: Double { Double(samplesSent) / seconds }
    private var seconds: Double { max(0.001, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) }

    public var description: String {
        "sent \(batchesSent) batches (\(samplesSent) readings, \(ticksDeferred) ticks deferred), acked \(batchesAcked) in \(String(format: "%.1f", seconds)) s: "
            + "\(Int(batchesPerSecond)) batches/s, \(Int(readingsPerSecond)) readings/s; "
            + "ack latency p50 \(String(format: "%.2f", ackLatencyP50)) ms, p99 \(String(format: "%.2f", ackLatencyP99)) ms"
    }
}

/// Counts shared by every simulated machine.
final class Tally: Sendable {
    private struct State {
        var sent = 0
        var acked = 0
        var deferred = 0
        var readings = 0
        var latencies: [Double] = []
    }

    private let state = Mutex(State())

    func sent(readings: Int) {
        state.withLock {
            $0.sent += 1
            $0.readings += readings
        }
    }

    func deferred() {
        state.withLock { $0.deferred += 1 }
    }

    func acked(latency: Duration) {
        let ms = Double(latency.components.seconds) * 1000 + Double(latency.components.attoseconds) / 1e15
        state.withLock {
            $0.acked += 1
            $0.latencies.append(ms)
        }
    }

    func report(elapsed: Duration) -> LoadReport {
        state.withLock { s in
            let sorted = s.latencies.sorted()
            func percentile(_ p: Double) -> Double {
                sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
            }
            return LoadReport(
                batchesSent: s.sent, batchesAcked: s.acked, ticksDeferred: s.deferred, samplesSent: s.readings, elapsed: elapsed,
                ackLatencyP50: percentile(0.5), ackLatencyP99: percentile(0.99))
        }
    }
}
