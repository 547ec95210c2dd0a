import FleetBus
import FleetCore
import FleetFanout
import FleetRuntime
import FleetStore
import Hummingbird
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// The gateway's HTTP server: dashboard files, REST API, WebSocket live feed, health and metrics, all on
/// one address (DESIGN.md: FLEETWATCH_HTTP_ADDR, default 127.0.0.1:8080); HTTPS when given `tls`.
public struct GatewayServer: Service {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var web: WebFiles
        public var thresholds: MachineStatus.Thresholds
        public var gatewayID: String
        /// Which pages may open the live WebSocket besides the gateway's own (FLEETWATCH_ALLOWED_ORIGINS).
        public var origins: OriginPolicy
        /// Who may read (FLEETWATCH_VIEWER_TOKEN); by default anyone who reaches the port.
        public var viewers: ViewerAccess
        /// HTTPS with this certificate (FLEETWATCH_TLS_CERT / FLEETWATCH_TLS_KEY); nil: plain HTTP.
        public var tls: ServerTLS?

        public init(
            host: String, port: Int, web: WebFiles, thresholds: MachineStatus.Thresholds, gatewayID: String,
            origins: OriginPolicy = OriginPolicy(), viewers: ViewerAccess = ViewerAccess(), tls: ServerTLS? = nil
        ) {
            self.tls = tls
            self.origins = origins
            self.viewers = viewers
            self.host = host
            self.port = port
            self.web = web
            self.thresholds = thresholds
            self.gatewayID = gatewayID
        }
    }

    private let configuration: Configuration
    private let api: FleetAPI
    private let alerts: AlertsAPI
    private let rules: RulesAPI?
    private let silences: SilencesAPI?
    private let credentials: CredentialsAPI?
    private let machineAdmin: MachineAdminAPI?
    private let pipeline: PipelineAPI
    private let live: LiveSocket
    /// Keeps the live view's active silences fresh (with a silence store).
    private let silenceFollower: LiveSilenceFollower?
    private let health: HealthRoutes
    private let logger: Logger
    private let onListening: @Sendable () -> Void
    private let now: @Sendable () -> Int64

    /// - Parameters:
    ///   - silenceStore: where the alerts API and the live view read the active silences: `silenced_by` of REST and
    ///     WebSocket alerts, and the overview's silenced counts (none: nothing is shown as silenced).
    ///   - onListening: called once the address is bound.
    public init(
        configuration: Configuration, hub: LiveHub, store: any GatewayStore, silenceStore: (any SilenceStore)? = nil,
        config: ConfigClient?, queueInspector: (any QueueInspector)? = nil, health: HealthRoutes, logger: Logger,
        now: @escaping @Sendable () -> Int64, onListening: @escaping @Sendable () -> Void = {}
    ) {
        self.pipeline = PipelineAPI(hub: hub, inspector: queueInspector, logger: logger, now: now)
        self.alerts = AlertsAPI(store: store, silences: silenceStore, logger: logger, now: now)
        self.rules = config.map { RulesAPI(config: $0, logger: logger) }
        let follower = silenceStore.map { LiveSilenceFollower(hub: hub, store: $0, logger: logger, now: now) }
        self.silenceFollower = follower
        self.silences = config.map {
            SilencesAPI(config: $0, logger: logger, now: now, onChange: { await follower?.refresh() })
        }
        self.credentials = config.map { CredentialsAPI(config: $0, logger: logger) }
        self.machineAdmin = config.map { MachineAdminAPI(config: $0, logger: logger) }
        self.onListening = onListening
        self.now = now
        self.configuration = configuration
        self.api = FleetAPI(hub: hub, store: store, thresholds: configuration.thresholds, logger: logger, now: now)
        self.live = LiveSocket(
            hub: hub, gatewayID: configuration.gatewayID, thresholds: configuration.thresholds,
            origins: configuration.origins, logger: logger, now: now)
        self.health = health
        self.logger = logger
    }

    /// Every route and middleware; separate from `run` so tests can drive the router directly.
    public func makeRouter() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.middlewares.add(SecurityHeaders())
        router.middlewares.add(ReadAccessMiddleware(access: configuration.viewers, now: now))
        router.middlewares.add(FileMiddleware(configuration.web.chartJS, urlBasePath: "/vendor/chart.js", logger: logger))
        router.middlewares.add(FileMiddleware(configuration.web.root, searchForIndexHtml: true, logger: logger))
        health.add(to: router)
        SessionAPI(access: configuration.viewers, now: now).add(to: router)
        api.add(to: router)
        alerts.add(to: router)
        rules?.add(to: router)
        silences?.add(to: router)
        credentials?.add(to: router)
        machineAdmin?.add(to: router)
        pipeline.add(to: router)
        live.add(to: router)
        return router
    }

    public func run() async throws {
        let router = makeRouter()
        let logger = self.logger
        let onListening = self.onListening
        let app = Application(
            router: router,
            server: try configuration.tls.map { tls in
                try .tls(.http1WebSocketUpgrade(webSocketRouter: router), tlsConfiguration: tls.configuration)
            } ?? .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "fleetwatch"),
            onServerRunning: { channel in
                logger.info(
                    "dashboard and API listening",
                    metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
                onListening()
            },
            logger: logger
        )
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let silenceFollower {
                    group.addTask { try? await silenceFollower.run() }
                }
                try await app.run()
                group.cancelAll()
            }
        } catch is CancellationError {
            // Stopping: connections were given the graceful-shutdown window already.
        }
    }
}
