import ArgumentParser
import FleetSettings

/// Collector settings shared by `fleetwatch collect` and the portable agent.
public struct CollectorOptions: ParsableArguments {
    public init() {}

    @Option(help: "Ingest edge URL (FLEETWATCH_INGEST_URL, default \(Defaults.ingestURL)).") public var ingestURL: String?
    @Option(help: "Collector token (FLEETWATCH_TOKEN).") public var token: String?
    @Option(help: "File whose first line is the collector token (FLEETWATCH_TOKEN_FILE).") public var tokenFile: String?
    @Option(help: "Join token: obtains this machine's own credential from the edge once (FLEETWATCH_JOIN_TOKEN).")
    public var joinToken: String?
    @Option(help: "File whose first line is the join token (FLEETWATCH_JOIN_TOKEN_FILE).") public var joinTokenFile: String?
    @Option(help: "Seconds between collections, 1...3600 (FLEETWATCH_INTERVAL, default 5).") public var interval: Int?
    @Option(help: "Buffer folder (FLEETWATCH_DATA_DIR, default $XDG_DATA_HOME/fleetwatch).") public var dataDir: String?
    @Option(help: "Machine id instead of /etc/machine-id (FLEETWATCH_MACHINE_ID).") public var machineID: String?
    @Option(help: "Labels as k=v,k=v (FLEETWATCH_LABELS).") public var labels: String?
    @Option(help: "Top processes per snapshot, 0 turns snapshots off (FLEETWATCH_TOP_PROCESSES).") public var topProcesses: Int?
    @Option(
        help:
            "Seconds between top-process lists, 1...3600; the edge can ask for one sooner (FLEETWATCH_PROCESS_INTERVAL, default 5)."
    )
    public var processInterval: Int?
    @Option(
        help:
            "Most unacked batches kept on disk while the edge is unreachable; the oldest are dropped (and counted) beyond it (FLEETWATCH_BUFFER_MAX_BATCHES, default 100000)."
    )
    public var bufferMaxBatches: Int?
    @Option(help: "Most disk space for unacked batches, in MiB (FLEETWATCH_BUFFER_MAX_MB, default 256).")
    public var bufferMaxMB: Int?
    @Flag(help: "Also report the loopback interface.") public var includeLoopback = false
    @Option(help: "CA file the https ingest edge's certificate must chain to (FLEETWATCH_TLS_CA; default: system roots).")
    public var tlsCA: String?
    @Option(help: "Client certificate for an edge that requires one (FLEETWATCH_TLS_CLIENT_CERT).") public var tlsClientCert: String?
    @Option(help: "The client certificate's private key (FLEETWATCH_TLS_CLIENT_KEY).") public var tlsClientKey: String?

    /// The collector configuration these flags, FLEETWATCH_* variables and defaults describe.
    public func configuration() throws -> CollectorConfiguration {
        var configuration = CollectorConfiguration(
            dataDirectory: Setting.value(dataDir, env: "FLEETWATCH_DATA_DIR", default: Defaults.dataDirectory))
        configuration.ingestURL = Setting.value(ingestURL, env: "FLEETWATCH_INGEST_URL", default: Defaults.ingestURL)
        configuration.token = try Setting.secret(token, file: tokenFile, env: "FLEETWATCH_TOKEN")
        configuration.joinToken = try Setting.secret(joinToken, file: joinTokenFile, env: "FLEETWATCH_JOIN_TOKEN")
        let seconds = try Setting.integer(
            Setting.value(interval.map(String.init), env: "FLEETWATCH_INTERVAL", default: "5"), setting: "FLEETWATCH_INTERVAL",
            in: 1...3600)
        configuration.interval = .seconds(seconds)
        configuration.machineIDOverride = Setting.value(machineID, env: "FLEETWATCH_MACHINE_ID")
        if let text = Setting.value(labels, env: "FLEETWATCH_LABELS") {
            configuration.labels = try Self.parseLabels(text)
        }
        if let top = Setting.value(topProcesses.map(String.init), env: "FLEETWATCH_TOP_PROCESSES") {
            configuration.topProcesses = try Setting.integer(top, setting: "FLEETWATCH_TOP_PROCESSES", in: 0...100)
        }
        if let seconds = Setting.value(processInterval.map(String.init), env: "FLEETWATCH_PROCESS_INTERVAL") {
            configuration.processInterval = .seconds(
                try Setting.integer(seconds, setting: "FLEETWATCH_PROCESS_INTERVAL", in: 1...3600))
        }
        if let batches = Setting.value(bufferMaxBatches.map(String.init), env: "FLEETWATCH_BUFFER_MAX_BATCHES") {
            configuration.maxBufferedBatches = try Setting.integer(
                batches, setting: "FLEETWATCH_BUFFER_MAX_BATCHES", in: 1...100_000_000)
        }
        if let megabytes = Setting.value(bufferMaxMB.map(String.init), env: "FLEETWATCH_BUFFER_MAX_MB") {
            configuration.maxBufferedBytes =
                try Setting.integer(megabytes, setting: "FLEETWATCH_BUFFER_MAX_MB", in: 1...1_048_576) << 20
        }
        configuration.includeLoopback = includeLoopback
        configuration.trust = try ClientTLSFiles.resolve(ca: tlsCA, certificate: tlsClientCert, key: tlsClientKey)
        return configuration
    }

    public static func parseLabels(_ text: String) throws(ConfigError) -> [String: String] {
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ConfigError(setting: "FLEETWATCH_LABELS", expected: "k=v,k=v", got: text)
            }
            labels[String(parts[0])] = String(parts[1])
        }
        return labels
    }
}
