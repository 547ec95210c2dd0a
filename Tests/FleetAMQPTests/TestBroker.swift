import FleetBus
import Foundation
import Testing

@testable import FleetAMQP

/// The RabbitMQ the integration tests use: FLEETWATCH_AMQP_URL, default amqp://guest:guest@127.0.0.1:5672/%2f
/// (`scripts/services/rabbitmq start DIR` starts one). Unreachable: the test is skipped with a note,
/// or fails when CI=true.
enum TestBroker {
    static let environment = ProcessInfo.processInfo.environment

    /// A connected bus, or nil when the test should stop (skipped, or failed under CI).
    static func bus(sourceLocation: SourceLocation = #_sourceLocation) async throws -> AMQPBus? {
        let url = try AMQPURL.fromEnvironment(environment)
        let bus = AMQPBus(url: url)
        do {
            try await bus.declare(Topology())
            return bus
        } catch let error as BusError {
            await bus.shutdown()
            let message =
                "RabbitMQ not reachable at \(url) (\(error)); start one with `scripts/services/rabbitmq start /tmp/fleetwatch-rabbitmq` or set FLEETWATCH_AMQP_URL"
            if environment["CI"] == "true" {
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            } else {
                print("skipping: \(message)")
            }
            return nil
        }
    }

    /// A queue name no other test (or test run) uses.
    static func uniqueQueue(_ purpose: String) -> String {
        "fleetbus.test.\(purpose).\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Closes every broker connection whose client-provided name contains `fragment`, through the
    /// management API (FLEETWATCH_RABBITMQ_MANAGEMENT_URL, default http://127.0.0.1:15672).
    /// Returns how many were closed.
    static func forceCloseConnections(named fragment: String) throws -> Int {
        let base = environment["FLEETWATCH_RABBITMQ_MANAGEMENT_URL"] ?? "http://127.0.0.1:15672"
        let listing = try curl(["-sf", "-u", "guest:guest", "\(base)/api/connections"])
        guard let connections = try JSONSerialization.jsonObject(with: listing) as? [[String: Any]] else { return 0 }
        var closed = 0
        for connection in connections {
            guard let name = connection["name"] as? String,
                let properties = connection["client_properties"] as? [String: Any],
                let clientName = properties["connection_name"] as? String, clientName.contains(fragment)
            else { continue }
            let escaped = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
            _ = try curl(["-sf", "-u", "guest:guest", "-X", "DELETE", "\(base)/api/connections/\(escaped)"])
            closed += 1
        }
        return closed
    }

    /// Deletes an exchange of the default vhost through the management API (AMQPBus declares exchanges but
    /// never deletes them).
    static func deleteExchange(_ name: String) throws {
        let base = environment["FLEETWATCH_RABBITMQ_MANAGEMENT_URL"] ?? "http://127.0.0.1:15672"
        _ = try curl(["-sf", "-u", "guest:guest", "-X", "DELETE", "\(base)/api/exchanges/%2f/\(name)"])
    }

    private static func curl(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BusError.unavailable("curl \(arguments.last ?? "") exited \(process.terminationStatus)")
        }
        return data
    }
}

/// The next delivery, or nil when none arrives within `timeout`.
func nextDelivery(_ consumer: any MessageConsumer, timeout: Duration) async throws -> Delivery? {
    try await withThrowingTaskGroup(of: Delivery?.self) { group in
        group.addTask { try await consumer.next() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}

func message(_ queue: String, _ text: String, headers: [String: String] = [:]) -> OutgoingMessage {
    OutgoingMessage(
        exchange: "", routingKey: queue, body: Array(text.utf8), type: "fleetwatch.test.Text", headers: headers)
}

func text(_ delivery: Delivery) -> String { String(decoding: delivery.body, as: UTF8.self) }
