import ArgumentParser
import FleetCore
import FleetProto
import Foundation
import GRPCCore
import SwiftProtobuf

struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Streams live samples of one machine (or, without a machine, status changes of the whole fleet).",
        discussion: "--output json writes one JSON object per line: each sample as {machine_id, metric, labels, value, t}, "
            + "a machine's status change as {\"machine\": {…}} (the REST API's machine object), other events "
            + "(processes, notice) in the protobuf JSON mapping.")

    @Argument(help: "The machine id (see `fleetwatch machines`); omit to follow the whole fleet.")
    var machine: String?

    @Option(name: .customLong("metric"), help: "Only this metric name; repeatable.")
    var metrics: [String] = []

    @OptionGroup var client: ClientOptions

    func validate() throws {
        for metric in metrics where !MetricName.all.contains(metric) {
            throw ValidationError("unknown metric '\(metric)'; known: \(MetricName.all.sorted().joined(separator: ", "))")
        }
    }

    func run() async throws {
        let request = Fleetwatch_V1_WatchRequest.with {
            $0.machineID = machine ?? ""
            $0.metrics = metrics
        }
        let json = client.output == .json
        try await client.withStreamingClient { client in
            try await Fleetwatch_V1_FleetQuery.Client(wrapping: client).watch(request) { response in
                for try await event in response.messages {
                    for line in try Self.lines(for: event, json: json) {
                        // Unbuffered, so a pipe (`| grep`) sees each line as it arrives; a closed pipe
                        // (`| head`) ends the tail quietly.
                        do {
                            try FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
                        } catch {
                            throw ExitCode.success
                        }
                    }
                }
            }
        }
        throw CLIError("the config service ended the stream (is it stopping?)")
    }

    static func lines(for event: Fleetwatch_V1_WatchEvent, json: Bool) throws -> [String] {
        if json {
            // One JSON line per sample, every field present (a value of 0 is a value).
            if case .machine(let machine) = event.event { return [try JSONOutput.line(["machine": MachineJSON(machine)])] }
            guard case .samples(let set) = event.event else { return [try event.jsonString(options: .withSnakeCase)] }
            return try set.samples.map { sample in
                let object: [String: Any] = [
                    "machine_id": set.machineID, "metric": sample.name, "labels": sample.labels, "value": sample.value,
                    "t": sample.timestampMs,
                ]
                return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        switch event.event {
        case .machine(let machine):
            let summary = machine.summary
            return [
                "\(time(machine.lastSeenMs))  \(machine.identity.hostname) (\(machine.identity.machineID))  \(machine.status.name)"
                    + "  cpu \(Units.percent(summary.hasCpuPercent ? summary.cpuPercent : nil))%"
                    + "  mem \(Units.percent(summary.hasMemPercent ? summary.memPercent : nil))%"
            ]
        case .samples(let set):
            return set.samples.map { sample in
                let labels = sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                return "\(time(sample.timestampMs))  \(sample.name)\(labels.isEmpty ? "" : "{\(labels)}") \(sample.value)"
            }
        case .processes(let snapshot):
            let top = snapshot.byCpu.prefix(3).map { "\($0.name)(\($0.pid)) \(String(format: "%.1f", $0.cpuPercent))%" }
            return ["\(time(snapshot.timestampMs))  top processes: \(top.joined(separator: ", "))"]
        case .notice(let notice):
            return ["# \(notice)"]
        case nil:
            return []
        }
    }

    static func time(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
