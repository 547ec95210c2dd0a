import FleetProto

/// Maps a command of the seed's control stream (`monitoring.Command`) onto the collector command the edge sends
/// down a Publish stream (`fleetwatch.v1.Command`), or says why it cannot: the two kinds it names are the two the
/// edge's /admin/collectors endpoints send, with the same bounds.
public enum SeedCommandTranslation {
    /// Tick intervals a command may set, in seconds (the collector's own bounds, `CollectorControl`).
    public static let intervalSeconds: ClosedRange<Int> = 1...3600

    /// The collector command for `command`, or the reason it is refused, worded for the operator.
    public static func collectorCommand(for command: Monitoring_Command) -> Result<Fleetwatch_V1_Command, Refusal> {
        guard !command.machineID.isEmpty else { return .failure(.missingMachine) }
        switch command.action {
        case .setIntervalSeconds(let seconds):
            guard intervalSeconds.contains(Int(seconds)) else {
                return .failure(.intervalOutOfRange(seconds))
            }
            var translated = Fleetwatch_V1_Command()
            translated.setInterval.seconds = seconds
            return .success(translated)
        case .requestSnapshot(true):
            var translated = Fleetwatch_V1_Command()
            translated.requestProcessSnapshot = Fleetwatch_V1_RequestProcessSnapshot()
            return .success(translated)
        case .requestSnapshot(false):
            return .failure(.snapshotNotRequested)
        case nil:
            return .failure(.unknownCommand)
        }
    }

    /// Why a seed command is not sent to a collector.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case missingMachine
        case intervalOutOfRange(Int32)
        case snapshotNotRequested
        /// No action this edge knows: unset, or a field added to the proto after this edge was built.
        case unknownCommand

        public var description: String {
            switch self {
            case .missingMachine:
                "machine_id is required"
            case .intervalOutOfRange(let seconds):
                "set_interval_seconds must be between \(SeedCommandTranslation.intervalSeconds.lowerBound) and "
                    + "\(SeedCommandTranslation.intervalSeconds.upperBound), got \(seconds)"
            case .snapshotNotRequested:
                "request_snapshot is false: send request_snapshot: true to ask for a process snapshot"
            case .unknownCommand:
                "unknown command: set one of set_interval_seconds (1...3600) or request_snapshot (true)"
            }
        }
    }
}
