import Foundation
import Testing

/// The intended module graph, checked on the `import` lines of Sources/<Module>/: adapters and their libraries are
/// imported only where the wiring happens, the domain imports no I/O, consumers and servers share words only through
/// FleetCore, the live view stands between them, and the agent links neither bus nor store. A forbidden import fails
/// here, naming the module, the import and the file. The rules are functions of a graph (`violations(in:)`), run on
/// the real one and, to prove they can fail, on a synthetic one that breaks each.
@Suite struct ModuleGraphTests {
    /// Module → imported module → files (relative to Sources/) that import it.
    typealias ImportGraph = [String: [String: Set<String>]]

    /// Adapter modules and the libraries behind them, with the only modules allowed to import each.
    static let restricted: [String: Set<String>] = [
        "FleetAMQP": ["fleetwatch"],
        "CRabbitMQ": ["FleetAMQP"],
        "FleetPostgres": ["fleetwatch"],
        "FleetSQLite": ["fleetwatch"],
        "GRDB": ["FleetSQLite"],
        "PostgresNIO": ["FleetPostgres"],
        // Consumers never import the gateway or the config service: only the executable wires them.
        "FleetGateway": ["fleetwatch"],
        "FleetConfig": ["fleetwatch"],
    ]

    /// All FleetCore may import: it is the domain, without I/O. FleetProto and SwiftProtobuf are its wire values,
    /// W3CTraceContext is values only (the traceparent format), Synchronization is the standard library's, and
    /// FoundationEssentials gives the value types (Date), with Foundation only as its fallback where
    /// FoundationEssentials is missing (`#if canImport(FoundationEssentials)`).
    static let coreAllowed: Set<String> = [
        "FleetProto", "SwiftProtobuf", "Synchronization", "W3CTraceContext", "FoundationEssentials", "Foundation",
    ]

    /// Never reached from the portable agent, directly or through the modules it imports.
    static let agentForbidden: Set<String> = [
        "FleetBus", "FleetAMQP", "CRabbitMQ", "FleetStore", "FleetPostgres", "FleetSQLite", "GRDB", "PostgresNIO",
    ]

    /// The consumer modules: the hops the pipeline's messages go through, and the alert evaluator.
    static let consumers: Set<String> = ["FleetAlerts", "FleetPersister", "FleetNormalizer", "FleetIngest"]

    /// The serving modules, which share words with the consumers only through FleetCore.
    static let servers: Set<String> = ["FleetGateway", "FleetConfig"]

    /// FleetFanout, the live view, is neither: it reads its own perishable fanout queue (through FleetBus's
    /// protocol) and seeds from history (FleetStore's), and the servers answer from it. So the servers may import
    /// it, and it imports no consumer and no server: what it shares with them is FleetCore's.
    static let liveView = "FleetFanout"

    // MARK: - The rules, on the real graph

    @Test func adapterModulesAreImportedOnlyWhereTheyAreWired() throws {
        record(Self.adapterViolations(in: try Self.importGraph()))
    }

    @Test func theDomainImportsNoAdapter() throws {
        let graph = try Self.importGraph()
        #expect(graph["FleetCore"] != nil, "Sources/FleetCore not found")
        record(Self.coreViolations(in: graph))
    }

    @Test func theGatewayAndConfigServiceImportNoConsumer() throws {
        let graph = try Self.importGraph()
        for module in Self.servers.sorted() { #expect(graph[module] != nil, "Sources/\(module) not found") }
        record(Self.serverViolations(in: graph))
    }

    @Test func theLiveViewImportsNeitherAConsumerNorAServer() throws {
        let graph = try Self.importGraph()
        #expect(graph[Self.liveView] != nil, "Sources/\(Self.liveView) not found")
        record(Self.liveViewViolations(in: graph))
    }

    @Test func theAgentReachesNeitherBusNorStore() throws {
        let graph = try Self.importGraph()
        #expect(graph["fleetwatch-agent"] != nil, "Sources/fleetwatch-agent not found")
        record(Self.agentViolations(in: graph))
    }

    // MARK: - The rules can fail

    /// A graph that breaks every rule once is reported once per broken rule, naming module, import and file;
    /// the same graph without the forbidden imports is clean.
    @Test func forbiddenImportsOfASyntheticGraphAreReported() {
        let clean: ImportGraph = [
            "FleetCore": ["FleetProto": ["FleetCore/A.swift"]],
            "FleetNormalizer": ["FleetBus": ["FleetNormalizer/Worker.swift"], "FleetCore": ["FleetNormalizer/Worker.swift"]],
            "FleetGateway": ["FleetFanout": ["FleetGateway/Live.swift"]],
            "FleetFanout": ["FleetBus": ["FleetFanout/Consumer.swift"], "FleetStore": ["FleetFanout/Seed.swift"]],
            "FleetCollector": ["FleetSettings": ["FleetCollector/Agent.swift"]],
            "fleetwatch-agent": ["FleetCollector": ["fleetwatch-agent/Main.swift"]],
            "fleetwatch": ["FleetAMQP": ["fleetwatch/Hub.swift"], "FleetGateway": ["fleetwatch/Hub.swift"]],
        ]
        #expect(Self.violations(in: clean).isEmpty, "\(Self.violations(in: clean))")

        var broken = clean
        broken["FleetNormalizer"]!["FleetAMQP"] = ["FleetNormalizer/Worker.swift"]
        broken["FleetCore"]!["NIOCore"] = ["FleetCore/Clock.swift"]
        broken["FleetGateway"]!["FleetPersister"] = ["FleetGateway/Rows.swift"]
        broken["FleetFanout"]!["FleetAlerts"] = ["FleetFanout/Alerts.swift"]
        broken["FleetCollector"]!["FleetBus"] = ["FleetCollector/Upload.swift"]
        #expect(
            Self.violations(in: broken) == [
                "FleetNormalizer imports FleetAMQP (FleetNormalizer/Worker.swift); only fleetwatch may",
                "FleetCore imports NIOCore (FleetCore/Clock.swift); it may import only FleetProto, Foundation, FoundationEssentials, SwiftProtobuf, Synchronization, W3CTraceContext",
                "FleetGateway imports the consumer module FleetPersister (FleetGateway/Rows.swift); shared words belong in FleetCore",
                "FleetFanout imports FleetAlerts (FleetFanout/Alerts.swift); the live view shares words with consumers and servers only through FleetCore",
                "the agent reaches FleetBus: fleetwatch-agent → FleetCollector → FleetBus",
            ])
    }

    // MARK: - The rules, as functions of a graph

    /// Every forbidden import in `graph`, one line each, rule by rule; empty when the graph follows them all.
    static func violations(in graph: ImportGraph) -> [String] {
        adapterViolations(in: graph) + coreViolations(in: graph) + serverViolations(in: graph)
            + liveViewViolations(in: graph) + agentViolations(in: graph)
    }

    /// Adapters (and the libraries behind them) imported outside the modules allowed to wire them.
    static func adapterViolations(in graph: ImportGraph) -> [String] {
        imports(in: graph).compactMap { module, imported, files in
            guard let allowed = restricted[imported], !allowed.contains(module) else { return nil }
            return "\(module) imports \(imported) (\(files)); only \(allowed.sorted().joined(separator: ", ")) may"
        }
    }

    /// What FleetCore imports beyond `coreAllowed`.
    static func coreViolations(in graph: ImportGraph) -> [String] {
        imports(in: graph).compactMap { module, imported, files in
            guard module == "FleetCore", !coreAllowed.contains(imported) else { return nil }
            return "FleetCore imports \(imported) (\(files)); it may import only \(coreAllowed.sorted().joined(separator: ", "))"
        }
    }

    /// Consumer modules imported by a server.
    static func serverViolations(in graph: ImportGraph) -> [String] {
        imports(in: graph).compactMap { module, imported, files in
            guard servers.contains(module), consumers.contains(imported) else { return nil }
            return "\(module) imports the consumer module \(imported) (\(files)); shared words belong in FleetCore"
        }
    }

    /// Consumers or servers imported by the live view.
    static func liveViewViolations(in graph: ImportGraph) -> [String] {
        imports(in: graph).compactMap { module, imported, files in
            guard module == liveView, consumers.contains(imported) || servers.contains(imported) else { return nil }
            return "\(liveView) imports \(imported) (\(files)); the live view shares words with consumers and servers only through FleetCore"
        }
    }

    /// Bus or store modules the agent reaches, each with the chain of imports that reaches it.
    static func agentViolations(in graph: ImportGraph) -> [String] {
        var reached: Set<String> = []
        var path: [String: String] = [:]
        var pending = ["fleetwatch-agent"]
        while let module = pending.popLast() {
            for imported in (graph[module] ?? [:]).keys.sorted() where !reached.contains(imported) {
                reached.insert(imported)
                path[imported] = module
                pending.append(imported)
            }
        }
        return agentForbidden.sorted().filter(reached.contains).map { forbidden in
            var chain = [forbidden]
            while let previous = path[chain[0]], chain.count < 20 { chain.insert(previous, at: 0) }
            return "the agent reaches \(forbidden): \(chain.joined(separator: " → "))"
        }
    }

    /// Every edge of `graph` in a stable order: the importing module, the imported one, and the files, listed.
    static func imports(in graph: ImportGraph) -> [(module: String, imported: String, files: String)] {
        graph.sorted { $0.key < $1.key }.flatMap { module, imports in
            imports.sorted { $0.key < $1.key }.map { (module, $0.key, $0.value.sorted().joined(separator: ", ")) }
        }
    }

    private func record(_ violations: [String]) {
        for violation in violations { Issue.record(Comment(rawValue: violation)) }
    }

    /// The checks read real files: make sure they found them, so a moved folder cannot make them pass vacuously.
    @Test func theGraphCoversEveryModule() throws {
        let graph = try Self.importGraph()
        for module in [
            "FleetCore", "FleetBus", "FleetAMQP", "FleetStore", "FleetPostgres", "FleetSQLite", "FleetIngest", "fleetwatch",
            "fleetwatch-agent",
        ] {
            #expect(graph[module] != nil, "no Sources/\(module) with Swift files")
        }
        for adapter in ["FleetAMQP", "FleetPostgres", "FleetSQLite"] {
            #expect(graph["fleetwatch"]?[adapter] != nil, "the import scan found no 'import \(adapter)' in the executable")
        }
        #expect(graph["FleetPostgres"]?["PostgresNIO"] != nil, "the import scan found no 'import PostgresNIO' in FleetPostgres")
        #expect(graph["FleetSQLite"]?["GRDB"] != nil, "the import scan found no 'import GRDB' in FleetSQLite")
    }

    // MARK: - Reading the imports

    /// Sources/ of this package, found from this file's path (Tests/ModuleGraphTests/ModuleGraphTests.swift).
    static var sourcesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
    }

    /// The import graph of Sources/.
    static func importGraph() throws -> ImportGraph {
        let fileManager = FileManager.default
        let sources = sourcesDirectory
        var graph: ImportGraph = [:]
        for module in try fileManager.contentsOfDirectory(atPath: sources.path).sorted() {
            let directory = sources.appendingPathComponent(module)
            guard let files = fileManager.enumerator(atPath: directory.path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                var imports = graph[module] ?? [:]
                for imported in importedModules(in: text) {
                    imports[imported, default: []].insert("\(module)/\(file)")
                }
                graph[module] = imports
            }
        }
        return graph
    }

    /// The modules `text` imports: `import X`, `@testable import X`, `public import X`, `import struct X.Y`, also
    /// indented inside `#if`. Line comments are not imports.
    static func importedModules(in text: String) -> Set<String> {
        let kinds: Set<String> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
        let modifiers: Set<String> = ["public", "package", "internal", "fileprivate", "private"]
        var modules: Set<String> = []
        for line in text.split(whereSeparator: \.isNewline) {
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            while let first = words.first, first.hasPrefix("@") || modifiers.contains(first) { words.removeFirst() }
            guard words.first == "import", words.count >= 2 else { continue }
            var name = words[1]
            if kinds.contains(name), words.count >= 3 { name = words[2] }
            if let module = name.split(separator: ".").first { modules.insert(String(module)) }
        }
        return modules
    }
}
