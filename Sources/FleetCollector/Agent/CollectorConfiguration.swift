import FleetCore
import FleetSettings

/// Everything `fleetwatch collect` / `fleetwatch-agent` configures, with the defaults of DESIGN.md.
/// Errors from `validate()` name the FLEETWATCH_* variable and the expected form.
public struct CollectorConfiguration: Sendable {
    /// FLEETWATCH_INGEST_URL.
    public var ingestURL: String = "http://127.0.0.1:7070"
    /// For an https ingest URL: FLEETWATCH_TLS_CA, FLEETWATCH_TLS_CLIENT_CERT, FLEETWATCH_TLS_CLIENT_KEY.
    public var trust = ClientTLSFiles()
    /// FLEETWATCH_TOKEN, sent as "authorization: Bearer <token>".
    public var token: String?
    /// FLEETWATCH_JOIN_TOKEN: obtains this machine's own credential at the first start (kept in
    /// `<dataDirectory>/collector/credential`, mode 0600), which then replaces `token`.
    public var joinToken: String?
    /// Tick interval, at least 1 s (FLEETWATCH_INTERVAL).
    public var interval: Duration = .seconds(5)
    /// The outbox lives in `<dataDirectory>/collector` (FLEETWATCH_DATA_DIR).
    public var dataDirectory: String
    /// FLEETWATCH_MACHINE_ID: replaces /etc/machine-id; must match [A-Za-z0-9_-]{1,128}.
    public var machineIDOverride: String?
    /// Labels sent with the machine identity (e.g. env=prod, rack=r1).
    public var labels: [String: String] = [:]
    /// Report the loopback interface too.
    public var includeLoopback: Bool = false
    /// Processes per top list (by CPU, by memory); 0 disables process sampling.
    public var topProcesses: Int = 10
    /// How often the top-process lists go out, at least 1 s (FLEETWATCH_PROCESS_INTERVAL): at most once per tick,
    /// and at once when the edge asks for a snapshot (`ProcessCadence`).
    public var processInterval: Duration = .seconds(5)
    /// Outbox caps: the oldest batch is dropped beyond either.
    public var maxBufferedBatches: Int = 100_000
    public var maxBufferedBytes: Int = 256 << 20
    /// fsync each stored batch (turn off only where losing the last seconds on power loss is fine).
    public var durableBuffer: Bool = true
    /// Sent-but-unacked batches allowed on the stream.
    ///
    /// One by default: grpc-swift-nio-transport 2.9.2 traps ("Client is closed, cannot send a message")
    /// when a request message is still being written as the edge ends the stream with a status, which
    /// it does whenever the broker is down. With one batch in flight the collector writes only after an
    /// ack, so it never writes into a stream the edge is closing. Backfill still runs at one batch per
    /// round trip (hundreds per second on a LAN).
    public var maxInFlight: Int = 1
    /// Where /proc, /sys and /etc are read from ("/" except in tests or when the host is mounted elsewhere).
    public var hostRoot: String = "/"
    /// How long a clean stop waits for buffered batches to be acked before leaving them on disk.
    public var drainTimeout: Duration = .seconds(5)
    /// Reported as the identity's agent_version.
    public var agentVersion: String = FleetCollectorVersion.current

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// The smallest interval accepted.
    public static let minimumInterval: Duration = .seconds(1)

    /// Checks every field; throws `ConfigError` naming the first bad one.
    public func validate() throws {
        _ = try IngestEndpoint(url: ingestURL)
        try trust.checkForCollector()
        guard interval >= Self.minimumInterval, interval <= .seconds(3600) else {
            throw ConfigError(
                setting: "FLEETWATCH_INTERVAL", expected: "1 to 3600 seconds", got: "\(interval)")
        }
        guard !dataDirectory.isEmpty else {
            throw ConfigError(setting: "FLEETWATCH_DATA_DIR", expected: "a directory path", got: "")
        }
        if let machineIDOverride { _ = try MachineID.validate(machineIDOverride) }
        if let token, token.isEmpty || token.contains(where: { $0 == "\n" || $0 == "\r" }) {
            throw ConfigError(
                setting: "FLEETWATCH_TOKEN", expected: "a non-empty single-line token", got: "<redacted>")
        }
        guard topProcesses >= 0, topProcesses <= 100 else {
            throw ConfigError(setting: "FLEETWATCH_TOP_PROCESSES", expected: "0 to 100", got: "\(topProcesses)")
        }
        guard processInterval >= .seconds(1) else {
            throw ConfigError(setting: "FLEETWATCH_PROCESS_INTERVAL", expected: "at least 1 second", got: "\(processInterval)")
        }
        guard maxBufferedBatches >= 1, maxBufferedBytes >= 1 << 20 else {
            throw ConfigError(
                setting: "FLEETWATCH_BUFFER_MAX_BATCHES / FLEETWATCH_BUFFER_MAX_MB",
                expected: "at least 1 batch and 1 MiB", got: "\(maxBufferedBatches) / \(maxBufferedBytes)")
        }
        try validateLabels()
        guard maxInFlight >= 1 else {
            throw ConfigError(setting: "maxInFlight", expected: "at least 1", got: "\(maxInFlight)")
        }
    }

    /// Labels outside the edge's limits would get every batch refused: say so at start instead.
    private func validateLabels() throws {
        let limits = BatchLimits.standard
        guard labels.count <= limits.maxIdentityLabels else {
            throw ConfigError(
                setting: "FLEETWATCH_LABELS", expected: "at most \(limits.maxIdentityLabels) labels", got: "\(labels.count)")
        }
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.utf8.count <= limits.maxLabelNameLength else {
                throw ConfigError(
                    setting: "FLEETWATCH_LABELS", expected: "label names of 1-\(limits.maxLabelNameLength) bytes",
                    got: String(name.prefix(40)))
            }
            guard value.utf8.count <= limits.maxLabelValueLength else {
                throw ConfigError(
                    setting: "FLEETWATCH_LABELS", expected: "label values of at most \(limits.maxLabelValueLength) bytes",
                    got: "\(name)=<\(value.utf8.count) bytes>")
            }
        }
    }
}
