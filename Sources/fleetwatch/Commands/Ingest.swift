import ArgumentParser
import FleetAMQP
import FleetBus
import FleetCore
import FleetIngest
import FleetPostgres
import FleetRuntime
import FleetSettings
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Foundation
import Logging

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The gRPC ingest edge: authenticates collectors, validates, publishes to fleet.raw with confirms, acks.")

    @OptionGroup var service: ServiceOptions
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var tls: ServerTLSOptions
    @OptionGroup var machineCredentials: MachineCredentialOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: "gRPC listen address (FLEETWATCH_INGEST_LISTEN, default \(Defaults.ingestListen)).")
    var listen: String?

    @Option(help: "Collector token (FLEETWATCH_TOKEN). Several, comma-separated, for rotation.")
    var token: String?

    @Option(help: "File whose first line is the collector token (FLEETWATCH_TOKEN_FILE).")
    var tokenFile: String?

    @Option(help: "Token for the /admin endpoints that send collectors commands (FLEETWATCH_ADMIN_TOKEN).")
    var adminToken: String?

    @Option(help: "File whose first line is the admin token (FLEETWATCH_ADMIN_TOKEN_FILE).")
    var adminTokenFile: String?

    func run() async throws {
        let registry = Observability.bootstrap(service: "ingest", level: try service.level())
        let logger = Logger(label: "fleetwatch.ingest")
        let address = try HostPort(
            parsing: Setting.value(listen, env: "FLEETWATCH_INGEST_LISTEN", default: Defaults.ingestListen),
            setting: "FLEETWATCH_INGEST_LISTEN")
        guard let tokens = try Setting.secret(token, file: tokenFile, env: "FLEETWATCH_TOKEN") else {
            throw ConfigError(setting: "FLEETWATCH_TOKEN", expected: "a collector token (or FLEETWATCH_TOKEN_FILE)", got: "")
        }
        let tls = try self.tls.load()
        let bus = try AMQPBus(url: broker.url, logger: logger)
        let readiness = Readiness(["amqp"])
        // fleet.normalize too: a batch confirmed into an exchange without a bound queue would be acked and lost
        // on a new broker where no normalizer has started yet.
        try await declareWhenReachable(bus, topology: .exchanges + .normalize, readiness: readiness, logger: logger)

        // Machine credentials live in PostgreSQL, read directly (cached 5 s): the edge needs no other service.
        let credentialStore = try machineCredentials.enabled()
            ? PostgresMetricStore(configuration: try PostgresStoreConfiguration(url: database.url), logger: logger) : nil
        let credentials = try credentialStore.map {
            try machineCredentials.edge(store: $0, sharedTokens: tokens.split(separator: ",").map(String.init), logger: logger)
        }
        let ingest = IngestService(
            publisher: BundlePublisher(bus: bus),
            authenticator: TokenAuthenticator(tokens: tokens.split(separator: ",").map(String.init)),
            limits: try batchLimits(), logger: logger, now: currentTimeMillis, onBrokerAvailability: { readiness.set("amqp", $0) },
            credentials: credentials?.gate)
        let adminToken = try Setting.secret(self.adminToken, file: adminTokenFile, env: "FLEETWATCH_ADMIN_TOKEN")
        let server = IngestServer.make(
            host: address.host, port: address.port, ingest: ingest,
            alongside: [CollectorControlService(directory: ingest.directory, adminToken: adminToken)]
                + (credentials.map { [$0.enrollment] } ?? [])
                + StandardServices.make(
                    serving: IngestServer.serviceNames + [CollectorControlService.serviceName],
                    isServing: { readiness.isReady }),
            security: tls.grpcSecurity)
        logger.info(
            "ingest edge starting",
            metadata: [
                "listen": "\(address)", "tls": "\(tls.map { $0.requiresClientCertificates ? "mutual" : "on" } ?? "off")",
                "amqp": "\((try? AMQPURLList(parsing: broker.url))?.description ?? "?")"])
        let tokenFile = Setting.value(tokenFile, env: "FLEETWATCH_TOKEN_FILE")
        let joinTokenFile = Setting.value(machineCredentials.joinTokenFile, env: "FLEETWATCH_JOIN_TOKEN_FILE")
        let join = JoinCommand(
            listen: address, token: tokenFile.map { .file($0) } ?? .unknown, usesTLS: tls != nil,
            joinToken: try machineCredentials.join() == nil ? nil : joinTokenFile.map { .file($0) } ?? .unknown,
            requiresCredentials: try machineCredentials.required())
        FileHandle.standardOutput.write(Data((join.lines.joined(separator: "\n") + "\n").utf8))
        try await runServices(
            [
                GRPCServerService(server: server),
                WorkerService {
                    try await recoverWhileUnready(
                        bus, topology: .exchanges + .normalize, condition: "amqp", readiness: readiness, logger: logger)
                },
            ] + (credentialStore.map { store in [WorkerService { await store.run() }] } ?? []),
            health: HealthServer(
                address: try service.health(default: Defaults.ingestHealth), readiness: readiness, registry: registry,
                logger: logger,
                extraRoutes: collectorAdminRoutes(directory: ingest.directory, adminToken: adminToken)),
            logger: logger)
        await bus.shutdown()
    }
}
