import FleetCollector
import FleetRuntime
import FleetCore
import FleetProto
import FleetSettings
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HummingbirdWSClient
import Logging

/// Synthetic transactions: sends a small batch from a probe machine (identity label `Probe.label`) to the
/// ingest edge at a fixed interval and follows each one through the pipeline — the edge's ack, then the
/// echoes of the normalizer, persister and alert evaluator and the sample itself, all read from a gateway's
/// WebSocket (`/api/v1/live`, following the probe machine) — so it works the same against the distributed
/// stack and the hub.
public struct ProbeRunner: Sendable {
    public struct Configuration: Sendable {
        public var edge: IngestEndpoint
        public var token: String
        /// The gateway's base URL, http://host:port.
        public var gateway: URL
        /// Names the probe: its machine is `probe-<name>`.
        public var name: String
        public var interval: Duration
        /// Probes to send; nil: until cancelled.
        public var count: Int?
        /// A probe that has not passed every hop this long after sending is counted lost at the missing hops.
        public var timeout: Duration
        public var hops: [ProbeHop]
        /// Sent as `Authorization: Bearer` to a gateway that needs a viewer token (FLEETWATCH_VIEWER_TOKEN).
        public var viewerToken: String?
        /// For an https gateway: the CA its certificate must chain to, and a client certificate (FLEETWATCH_TLS_*).
        /// The edge's are in `edge.trust`.
        public var gatewayTrust = ClientTLSFiles()

        public init(
            edge: IngestEndpoint, token: String, gateway: URL, name: String = "synthetic", interval: Duration = .seconds(1),
            count: Int? = nil, timeout: Duration = .seconds(10), hops: [ProbeHop] = ProbeHop.allCases
        ) {
            self.edge = edge
            self.token = token
            self.gateway = gateway
            self.name = name
            self.interval = interval
            self.count = count
            self.timeout = timeout
            self.hops = hops
        }

        public var machineID: String { "probe-\(name)" }
    }

    public let configuration: Configuration
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let tracker: ProbeTracker

    public init(_ configuration: Configuration, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.tracker = ProbeTracker(hops: configuration.hops)
    }

    /// What was measured so far.
    public func report() -> ProbeReport { tracker.report() }

    /// True when a probe passed every hop at or after `ms` (the continuous probe's readiness).
    public func completed(since ms: Int64) -> Bool { tracker.completed(since: ms) }

    /// Counts every probe still in flight as lost at the hops it has not reached (the run ended early).
    public func abandonInFlight() { tracker.expire(sentBefore: .max) }

    /// Follows the gateway, then sends probes; returns once `count` probes were sent and every one of them
    /// completed or timed out (never, without a count: cancel the task).
    public func run() async throws -> ProbeReport {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Send only once the gateway follows the probe machine for us, or nothing could be seen arriving.
            let (answers, answer) = AsyncStream.makeStream(of: Result<Void, any Error>.self)
            group.addTask {
                do {
                    try await followGateway(onFollowing: { answer.yield(.success(())) })
                } catch {
                    answer.yield(.failure(error))
                    throw error
                }
            }
            let answerTimeout = configuration.timeout
            let timer = Task {
                try await Task.sleep(for: answerTimeout)
                answer.yield(.failure(ProbeError(
                    "the gateway at \(configuration.gateway) did not answer the live subscription within \(answerTimeout)")))
            }
            defer { timer.cancel() }
            for await first in answers {
                try first.get()
                break
            }
            try Task.checkCancellation()
            group.addTask {
                do {
                    try await inject()
                } catch let error as RPCError {
                    throw ProbeError(
                        "the edge at \(configuration.edge.host):\(configuration.edge.port) refused or failed: "
                            + TLSMismatchHint.annotate(
                                "\(error)", usesTLS: configuration.edge.usesTLS, urlSetting: "FLEETWATCH_INGEST_URL"))
                }
            }
            // The injector finishes first (with a count); the gateway reader runs until cancelled.
            try await group.next()
            group.cancelAll()
        }
        return tracker.report()
    }

    // MARK: - Injection

    private func inject() async throws {
        let timeoutMs = Int64(configuration.timeout / .milliseconds(1))
        let transport = try configuration.edge.makeTransport()
        try await withGRPCClient(transport: transport) { client in
            let ingest = Fleetwatch_V1_Ingest.Client(wrapping: client)
            try await ingest.publish(metadata: ["authorization": "Bearer \(configuration.token)"]) { writer in
                // Sequences start at the clock so a restarted probe never repeats one (the store skips repeats).
                var sequence = UInt64(max(1, now()))
                var lastSentMs: Int64 = 0
                var sent = 0
                var next = ContinuousClock.now
                while configuration.count.map({ sent < $0 }) ?? true {
                    // Distinct timestamps: a WebSocket sample is matched to its probe by its timestamp.
                    let sentMs = max(now(), lastSentMs + 1)
                    lastSentMs = sentMs
                    tracker.sent(sequence: sequence, atMs: sentMs)
                    try await writer.write(batch(sequence: sequence, sentMs: sentMs))
                    sent += 1
                    sequence += 1
                    tracker.expire(sentBefore: now() - timeoutMs)
                    next += configuration.interval
                    try await Task.sleep(until: next)
                }
                // Let the last probes finish their path, up to the timeout.
                let deadline = ContinuousClock.now + configuration.timeout
                while tracker.pending > 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                tracker.expire(sentBefore: .max)
            } onResponse: { response in
                for try await message in response.messages {
                    if case .ack(let ack) = message.kind {
                        tracker.observed(.edgeAck, sequence: ack.sequence, atMs: now())
                    }
                }
            }
        }
    }

    private func batch(sequence: UInt64, sentMs: Int64) -> Fleetwatch_V1_RawBatch {
        var batch = Fleetwatch_V1_RawBatch()
        batch.machineID = configuration.machineID
        batch.sequence = sequence
        batch.source = ProcReading.source
        batch.timestampMs = sentMs
        batch.identity.machineID = configuration.machineID
        batch.identity.hostname = configuration.machineID
        batch.identity.os = "Fleetwatch synthetic transactions"
        batch.identity.agentVersion = "probe"
        batch.identity.labels = [Probe.label: configuration.name, SyntheticMachine.label: "probe"]
        var reading = Fleetwatch_V1_Reading()
        reading.key = ProcReading.processCount
        reading.value = Double(sequence % 1000)
        batch.readings = [reading]
        return batch
    }

    // MARK: - Following the gateway

    private struct LiveFrame: Decodable {
        struct Sample: Decodable { var t: Int64 }
        var type: String
        var sequence: UInt64?
        var hop: String?
        var samples: [Sample]?
    }

    private func followGateway(onFollowing: @escaping @Sendable () -> Void) async throws {
        var components = URLComponents(url: configuration.gateway, resolvingAgainstBaseURL: false)
        components?.scheme = configuration.gateway.scheme == "https" ? "wss" : "ws"
        components?.path = "/api/v1/live"
        guard let url = components?.string else { throw ProbeError("cannot make a WebSocket URL of \(configuration.gateway)") }
        let machineID = configuration.machineID
        let subscribe = #"{"subscribe":"machine","machine_id":"\#(machineID)"}"#
        do {
            var client = WebSocketClientConfiguration()
            if let viewerToken = configuration.viewerToken {
                client.additionalHeaders[.authorization] = "Bearer \(viewerToken)"
            }
            let tls = configuration.gateway.scheme == "https" ? try configuration.gatewayTrust.httpsConfiguration() : nil
            try await WebSocketClient.connect(url: url, configuration: client, tlsConfiguration: tls, logger: logger) {
                inbound, outbound, _ in
                try await outbound.write(.text(subscribe))
                var following = false
                for try await message in inbound.messages(maxSize: 16 << 20) {
                    guard case .text(let text) = message,
                        let frame = try? JSONDecoder().decode(LiveFrame.self, from: Data(text.utf8))
                    else { continue }
                    let atMs = now()
                    // The first frame after the greeting answers the subscription (for a machine not seen yet, an
                    // error notice; the subscription stands and its first batch will follow).
                    if !following, frame.type != "hello" {
                        following = true
                        onFollowing()
                    }
                    switch frame.type {
                    case "probe":
                        if let sequence = frame.sequence, let hop = frame.hop.flatMap(ProbeHop.init(rawValue:)) {
                            tracker.observed(hop, sequence: sequence, atMs: atMs)
                        }
                    case "samples":
                        for sample in frame.samples ?? [] { tracker.delivered(sentMs: sample.t, atMs: atMs) }
                    default:
                        continue
                    }
                }
            }
        } catch is CancellationError {
            return
        } catch {
            if Task.isCancelled { return }
            throw ProbeError(
                "cannot follow the live feed at \(url): "
                    + TLSMismatchHint.annotate(
                        "\(error)", usesTLS: configuration.gateway.scheme == "https", urlSetting: "FLEETWATCH_GATEWAY_URL"))
        }
        if !Task.isCancelled { throw ProbeError("the gateway at \(url) closed the live feed") }
    }
}

public struct ProbeError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
