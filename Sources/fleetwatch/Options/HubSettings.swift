import FleetCollector
import FleetCore
import FleetGateway
import FleetRuntime
import FleetSettings
import FleetStore
import Foundation

/// The hub's settings, validated, with its tokens created on first start and kept in the data folder so the
/// join command stays the same across restarts.
struct HubSettings: Sendable {
    var dataDirectory: String
    var http: HostPort
    var ingest: HostPort
    var config: HostPort
    var token: String
    var adminToken: String
    var thresholds: MachineStatus.Thresholds
    var origins: OriginPolicy
    var viewers: ViewerAccess
    var retention: RetentionPolicy
    var web: WebFiles
    var collector: CollectorConfiguration?
    /// TLS on all three listeners (FLEETWATCH_TLS_CERT, FLEETWATCH_TLS_KEY); nil: plaintext.
    var tls: ServerTLS?
    /// What the hub's own clients (its collector, the dashboard's calls to the fleet queries) trust: FLEETWATCH_TLS_CA,
    /// or else the hub's certificate itself (a self-signed one).
    var localTrust = ClientTLSFiles()
    /// FLEETWATCH_REQUIRE_MACHINE_CREDENTIALS: the banner then never offers the shared token to join with.
    var requiresMachineCredentials = false

    init(command: Hub) throws {
        dataDirectory = Setting.value(command.dataDir, env: "FLEETWATCH_DATA_DIR") ?? Defaults.dataDirectory
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw ConfigError(setting: "FLEETWATCH_DATA_DIR", expected: "a folder the hub can create and write", got: dataDirectory)
        }
        http = try HostPort(
            parsing: Setting.value(command.httpAddress, env: "FLEETWATCH_HTTP_ADDR", default: Defaults.httpAddress),
            setting: "FLEETWATCH_HTTP_ADDR")
        ingest = try HostPort(
            parsing: Setting.value(command.ingestListen, env: "FLEETWATCH_INGEST_LISTEN", default: Defaults.ingestListen),
            setting: "FLEETWATCH_INGEST_LISTEN")
        config = try HostPort(
            parsing: Setting.value(command.configListen, env: "FLEETWATCH_CONFIG_LISTEN", default: Defaults.configListen),
            setting: "FLEETWATCH_CONFIG_LISTEN")
        token = try Setting.secret(nil, file: nil, env: "FLEETWATCH_TOKEN")
            ?? Self.persistentSecret(at: dataDirectory + "/token")
        adminToken = try Setting.secret(nil, file: nil, env: "FLEETWATCH_ADMIN_TOKEN")
            ?? Self.persistentSecret(at: dataDirectory + "/admin-token")
        requiresMachineCredentials = try command.machineCredentials.required()
        thresholds = try command.live.thresholds()
        origins = try command.access.origins()
        viewers = try command.access.viewers()
        let days = try Setting.integer(
            Setting.value(command.retentionDays.map(String.init), env: "FLEETWATCH_RETENTION_DAYS", default: "30"),
            setting: "FLEETWATCH_RETENTION_DAYS", in: 1...3650)
        retention = RetentionPolicy()
        retention.raw = RetentionPolicy.day * days
        web = WebFiles(
            root: Setting.value(command.webDir, env: "FLEETWATCH_WEB_DIR") ?? WebFiles.locateRoot(),
            chartJS: Setting.value(nil, env: "FLEETWATCH_CHARTJS_DIR", default: WebFiles.defaultChartJS))
        if let problem = web.problems().first { throw ConfigError(setting: "FLEETWATCH_WEB_DIR", expected: "the web/ folder", got: problem) }

        tls = try command.tls.load()
        if let tls {
            if let clientCA = tls.files.clientCA {
                throw ConfigError(
                    setting: "FLEETWATCH_TLS_CLIENT_CA",
                    expected: "no client CA on the hub (its own clients have no certificate); run `fleetwatch ingest` for that",
                    got: clientCA)
            }
            localTrust = try ClientTLSFiles.resolve(ca: nil, certificate: nil, key: nil)
            if localTrust.ca == nil { localTrust.ca = tls.files.certificate }
            try localTrust.check()
        }
        if !command.noCollect {
            var collector = CollectorConfiguration(dataDirectory: dataDirectory)
            collector.ingestURL = localURL(ingest)
            collector.trust = localTrust
            collector.token = token
            let seconds = try Setting.integer(
                Setting.value(command.interval.map(String.init), env: "FLEETWATCH_INTERVAL", default: "5"),
                setting: "FLEETWATCH_INTERVAL", in: 1...3600)
            collector.interval = .seconds(seconds)
            try collector.validate()
            self.collector = collector
        }
    }

    /// The URL a process on this machine reaches `address` at: https when the hub serves TLS.
    func localURL(_ address: HostPort) -> String {
        tls == nil ? address.localURL : "https://" + address.localURL.dropFirst("http://".count)
    }
}
