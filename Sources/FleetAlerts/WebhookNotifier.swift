import AsyncHTTPClient
import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import Logging
import Metrics

/// Sends firing and resolved alert events (fleet.notify) to webhooks as JSON, retrying with backoff; a
/// notification that still fails after `attempts` goes to fleet.notify.dlq with the reason, never dropped.
public struct WebhookNotifier: Sendable {
    let bus: any MessageBus
    let urls: [URL]
    let attempts: Int
    let logger: Logger
    let timeout: Duration
    let httpClient: HTTPClient
    private let sent = Counter(label: "fleetwatch_notifications_sent_total")
    private let failed = Counter(label: "fleetwatch_notifications_dead_lettered_total")

    /// - Parameters:
    ///   - timeout: how long one POST may take, connecting included.
    ///   - httpClient: the client to post with; its owner shuts it down.
    public init(
        bus: any MessageBus, urls: [URL], attempts: Int = 5, timeout: Duration = .seconds(5),
        httpClient: HTTPClient = .shared, logger: Logger
    ) {
        self.bus = bus
        self.httpClient = httpClient
        self.urls = urls
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.logger = logger
    }

    public func run() async throws {
        let consumer = try await bus.consume(queue: FleetQueue.notify, prefetch: 20)
        defer { Task { await consumer.close() } }
        while !Task.isCancelled {
            guard let delivery = try await consumer.next() else { return }
            guard let transition = try? Fleetwatch_V1_AlertTransition(serializedBytes: delivery.body) else {
                try await consumer.deadLetter(delivery, reason: "not a decodable fleetwatch.v1.AlertTransition")
                continue
            }
            guard transition.to == .firing || transition.to == .resolved, !urls.isEmpty else {
                try await consumer.ack([delivery])
                continue
            }
            let body = try Self.payload(transition)
            var failures: [String] = []
            for url in urls {
                if let failure = await post(body, to: url) { failures.append("\(url): \(failure)") }
            }
            if failures.isEmpty {
                sent.increment()
                try await consumer.ack([delivery])
            } else {
                failed.increment()
                logger.error("notification failed after \(attempts) attempts; dead-lettered", metadata: ["reason": "\(failures)"])
                try await consumer.deadLetter(
                    delivery, reason: "webhook failed after \(attempts) attempts: \(failures.joined(separator: "; "))")
            }
        }
    }

    /// Nil on success, else why the last attempt failed.
    func post(_ body: Data, to url: URL) async -> String? {
        var last = "no attempt"
        for attempt in 0..<attempts {
            if attempt > 0 {
                try? await Task.sleep(for: Backoff(base: .milliseconds(200), cap: .seconds(10)).delay(attempt: attempt - 1, unit: 1))
            }
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
            do {
                let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(timeout / .nanoseconds(1))))
                // Read to the end, so the connection can be reused; the answer's content does not matter.
                for try await _ in response.body {}
                if (200..<300).contains(response.status.code) { return nil }
                last = "HTTP \(response.status.code)"
            } catch {
                last = "\(error)"
            }
        }
        return last
    }

    static func payload(_ transition: Fleetwatch_V1_AlertTransition) throws -> Data {
        var object: [String: Any] = [
            "alert_id": AlertRecord.id(of: transition),
            "status": RuleMapping.status(transition.to).rawValue,
            "rule_id": transition.ruleID,
            "rule": transition.ruleName,
            "severity": RuleMapping.severityName(transition.severity),
            "machine_id": transition.machineID,
            "hostname": transition.hostname,
            "labels": transition.labels,
            "at_ms": transition.atMs,
            "description": transition.description_p,
        ]
        if transition.hasValue { object["value"] = transition.value }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
