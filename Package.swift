// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "fleetwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fleetwatch", targets: ["fleetwatch"]),
        .executable(name: "fleetwatch-agent", targets: ["fleetwatch-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // OTLP/HTTP export of traces only (no gRPC exporter: one fewer trait to build).
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context", from: "1.0.0"),
        // Notifications: the routing file (YAML), title and body templates (Mustache), the SMTP client (NIO).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // TLS on every hop (docs/operations.md "TLS"): PEM loading and the key check at start.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Generated code only (scripts/generate-proto).
        .target(
            name: "FleetProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict
        ),
        // The domain: metric names, validation, normalization, routing keys, the sample-time rule, the retry policy,
        // alert rules and the wire mappings shared by several modules. No I/O (not even Foundation: ModuleGraphTests).
        .target(
            name: "FleetCore",
            dependencies: ["FleetProto", .product(name: "W3CTraceContext", package: "swift-w3c-trace-context")],
            swiftSettings: strict),
        // Settings from flags, FLEETWATCH_* variables and secret files; default addresses. Foundation only,
        // so the portable agent can use it.
        .target(name: "FleetSettings", swiftSettings: strict),
        // Structured JSON log lines (swift-log handler), shared by every process including the agent.
        .target(
            name: "FleetLogging", dependencies: ["FleetSettings", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // Process plumbing shared by every long-running subcommand: running its services until SIGTERM, the
        // listen-address check, the wall clock, health and metrics HTTP, Prometheus and tracing bootstrap, gRPC
        // server and client transports, TLS. No adapter: the executable wires those in.
        .target(
            name: "FleetRuntime",
            dependencies: [
                "CMalloc", "FleetCore", "FleetSettings", "FleetLogging", "FleetProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // glibc's malloc statistics and trimming, for every long-running process's memory metrics.
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(
            name: "CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        // The bus every consumer sees: the MessageBus protocol, the topology, bundles, trace headers and the
        // in-process bus. No broker library.
        .target(
            name: "FleetBus",
            dependencies: [
                "FleetCore", "FleetProto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The RabbitMQ adapter over rabbitmq-c (AMQPBus), the management API inspector and the AMQP benchmark.
        // Only executables and integration tests import it.
        .target(
            name: "FleetAMQP",
            dependencies: [
                "FleetBus", "FleetCore", "FleetSettings", "CRabbitMQ",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // What every consumer of storage sees: the store protocols, their value types, the tick layout shared by
        // both stores, rollup, retention and resolution policies. No database library.
        .target(name: "FleetStore", dependencies: ["FleetCore", "FleetProto"], swiftSettings: strict),
        // The PostgreSQL store over postgres-nio (COPY, daily partitions, rollup, retention, migrations) and the
        // store benchmarks. Only executables and integration tests import it.
        .target(
            name: "FleetPostgres",
            dependencies: [
                "FleetStore", "FleetCore", "FleetProto", "FleetSettings",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The SQLite store over GRDB, for the single-process hub. Only executables and integration tests import it.
        .target(
            name: "FleetSQLite",
            dependencies: [
                "FleetStore", "FleetCore", "FleetProto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Which threads run Swift tasks and their timers: NIO's event loops (TaskThreads, EventLoopTaskExecutor).
        .target(
            name: "FleetThreads",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FleetCollector",
            dependencies: [
                "FleetCore", "FleetProto", "FleetSettings", "FleetThreads",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FleetIngest",
            dependencies: [
                "FleetCore", "FleetProto", "FleetBus", "FleetStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FleetNormalizer",
            dependencies: [
                "FleetCore", "FleetBus",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FleetPersister",
            dependencies: [
                "FleetCore", "FleetBus", "FleetStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The live view of the fleet: a last-value cache fed by this instance's fanout queue, with coalescing
        // subscriptions for WebSocket and gRPC watchers.
        .target(
            name: "FleetFanout",
            dependencies: [
                "FleetCore", "FleetBus", "FleetStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The HTTP gateway: dashboard files, REST API, WebSocket live feed.
        .target(
            name: "FleetGateway",
            dependencies: [
                "FleetCore", "FleetBus", "FleetFanout", "FleetStore", "FleetRuntime", "FleetProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Alerts: rules applied by the evaluator on the alert partitions, notifications.
        .target(
            name: "FleetAlerts",
            dependencies: [
                "FleetCore", "FleetBus", "FleetStore", "FleetProto", "FleetSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The gRPC config service: fleet queries (fleetwatch.v1.FleetQuery and the original monitoring contract).
        .target(
            name: "FleetConfig",
            dependencies: [
                "FleetCore", "FleetFanout", "FleetProto", "FleetBus", "FleetStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Synthetic transactions: marked batches sent to the edge and followed through every hop.
        .target(
            name: "FleetProbe",
            dependencies: [
                "FleetCore", "FleetProto", "FleetCollector", "FleetRuntime",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // Simulated collectors over real gRPC, for benchmarks and soak tests.
        .target(
            name: "FleetLoadgen",
            dependencies: [
                "FleetCore", "FleetProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fleetwatch",
            dependencies: [
                "FleetCore", "FleetSettings", "FleetLogging", "FleetRuntime", "FleetThreads", "FleetBus", "FleetAMQP", "FleetStore", "FleetPostgres", "FleetSQLite", "FleetCollector",
                "FleetIngest", "FleetNormalizer", "FleetPersister", "FleetLoadgen", "FleetProbe", "FleetFanout", "FleetGateway", "FleetConfig", "FleetAlerts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fleetwatch-agent",
            dependencies: [
                "FleetCollector", "FleetSettings", "FleetLogging", "FleetThreads",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Built with --static-swift-stdlib (scripts/build-agent) to run on machines without Swift.
            swiftSettings: strict
        ),
        .testTarget(name: "FleetCoreTests", dependencies: ["FleetCore"], swiftSettings: strict),
        .testTarget(
            name: "FleetRuntimeTests",
            dependencies: [
                "FleetRuntime", "FleetSettings", .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "FleetThreadsTests",
            dependencies: [
                "FleetThreads", .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // The intended module graph, checked on the import lines of Sources/ (reads files only; no dependencies).
        .testTarget(name: "ModuleGraphTests", swiftSettings: strict),
        .testTarget(
            name: "FleetCollectorTests", dependencies: ["FleetCollector", "FleetThreads"],
            resources: [.copy("Fixtures")], swiftSettings: strict),
        // What several test targets share (a logger that keeps what was logged); linked by tests only.
        .target(
            name: "FleetTestSupport", dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Tests/FleetTestSupport", swiftSettings: strict),
        .testTarget(name: "FleetBusTests", dependencies: ["FleetBus", "FleetTestSupport"], swiftSettings: strict),
        // The RabbitMQ adapter against a real broker, and BusConformanceTests on both buses.
        .testTarget(name: "FleetAMQPTests", dependencies: ["FleetAMQP", "FleetBus"], swiftSettings: strict),
        .testTarget(name: "FleetSettingsTests", dependencies: ["FleetSettings"], swiftSettings: strict),
        .testTarget(name: "FleetLoadgenTests", dependencies: ["FleetLoadgen", "FleetCore", "FleetProto"], swiftSettings: strict),
        .testTarget(name: "FleetProbeTests", dependencies: ["FleetProbe", "FleetCore"], swiftSettings: strict),
        .testTarget(
            name: "FleetLoggingTests", dependencies: ["FleetLogging", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // The store protocols' conformance suites on both stores, and each adapter against its database.
        .testTarget(
            name: "FleetStoreTests", dependencies: ["FleetStore", "FleetPostgres", "FleetSQLite", "FleetSettings"],
            swiftSettings: strict),
        .testTarget(
            name: "FleetPersisterTests", dependencies: ["FleetPersister", "FleetBus", "FleetStore", "FleetTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "FleetFanoutTests", dependencies: ["FleetFanout", "FleetBus", "FleetAMQP", "FleetTestSupport"],
            swiftSettings: strict),
        // The edge and the normalizer on the in-process bus: back-pressure from a full queue, hop by hop.
        .testTarget(
            name: "FleetPipelineTests",
            dependencies: [
                "FleetIngest", "FleetNormalizer", "FleetBus", "FleetCore", "FleetProto", "FleetStore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "FleetConfigTests",
            dependencies: [
                "FleetConfig", "FleetRuntime", "FleetFanout", "FleetBus", "FleetStore", "FleetSQLite",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"), .product(name: "Logging", package: "swift-log"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "FleetAlertsTests",
            dependencies: [
                "FleetAlerts", "FleetBus", "FleetStore", "FleetSQLite",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "FleetGatewayTests",
            dependencies: [
                "FleetGateway", "FleetFanout", "FleetStore", "FleetRuntime",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
    ]
)
