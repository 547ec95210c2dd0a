import Foundation
import Testing

/// The intended module graph, checked on the `import` lines of Sources/<Module>/: adapters and their libraries are
/// imported only where the wiring happens, the domain imports no I/O, the agent links neither bus nor store.
/// A forbidden import fails here, naming the module, the import and the file.
@Suite struct ModuleGraphTests {
    /// Adapter modules and the libraries behind them, with the only modules allowed to import each.
    static let restricted: [String: Set<String>] = [
        "FleetAMQP": ["fleetwatch"],
        "CRabbitMQ": ["FleetAMQP"],
        "FleetPostgres": ["fleetwatch"],
        "FleetSQLite": ["fleetwatch"],
        "GRDB": ["FleetSQLite"],
        "PostgresNIO": ["FleetPostgres"],
        // Consumers never import the gateway.
        "FleetGateway": ["fleetwatch"],
    ]

    /// All FleetCore may import: it is the domain, without I/O (W3CTraceContext is values only: the traceparent format).
    static let coreAllowed: Set<String> = [
        "FleetProto", "Foundation", "FoundationEssentials", "SwiftProtobuf", "Synchronization", "W3CTraceContext",
    ]

    /// Never reached from the portable agent, directly or through the modules it imports.
    static let agentForbidden: Set<String> = [
        "FleetBus", "FleetAMQP", "CRabbitMQ", "FleetStore", "FleetPostgres", "FleetSQLite", "GRDB", "PostgresNIO",
    ]

    @Test func adapterModulesAreImportedOnlyWhereTheyAreWired() throws {
        let graph = try Self.importGraph()
        for (module, imports) in graph.sorted(by: { $0.key < $1.key }) {
            for (imported, files) in imports.sorted(by: { $0.key < $1.key }) {
                guard let allowed = Self.restricted[imported], !allowed.contains(module) else { continue }
                Issue.record(
                    "\(module) imports \(imported) (\(files.sorted().joined(separator: ", "))); only \(allowed.sorted().joined(separator: ", ")) may")
            }
        }
    }

    @Test func theDomainImportsNoAdapter() throws {
        let imports = try #require(try Self.importGraph()["FleetCore"], "Sources/FleetCore not found")
        for (imported, files) in imports.sorted(by: { $0.key < $1.key }) where !Self.coreAllowed.contains(imported) {
            Issue.record(
                "FleetCore imports \(imported) (\(files.sorted().joined(separator: ", "))); it may import only \(Self.coreAllowed.sorted().joined(separator: ", "))"
            )
        }
    }

    /// The consumer modules: the hops the pipeline's messages go through, and the alert evaluator.
    static let consumers: Set<String> = ["FleetAlerts", "FleetPersister", "FleetNormalizer", "FleetIngest"]

    /// The serving modules, which share words with the consumers only through FleetCore.
    static let servers: [String] = ["FleetGateway", "FleetConfig"]

    @Test func theGatewayAndConfigServiceImportNoConsumer() throws {
        let graph = try Self.importGraph()
        for module in Self.servers {
            let imports = try #require(graph[module], "Sources/\(module) not found")
            for (imported, files) in imports.sorted(by: { $0.key < $1.key }) where Self.consumers.contains(imported) {
                Issue.record(
                    "\(module) imports the consumer module \(imported) (\(files.sorted().joined(separator: ", "))); shared words belong in FleetCore"
                )
            }
        }
    }

    @Test func theAgentReachesNeitherBusNorStore() throws {
        let graph = try Self.importGraph()
        #expect(graph["fleetwatch-agent"] != nil, "Sources/fleetwatch-agent not found")
        var reached: Set<String> = []
        var path: [String: String] = [:]
        var pending = ["fleetwatch-agent"]
        while let module = pending.popLast() {
            for imported in (graph[module] ?? [:]).keys where !reached.contains(imported) {
                reached.insert(imported)
                path[imported] = module
                pending.append(imported)
            }
        }
        for forbidden in Self.agentForbidden.sorted() where reached.contains(forbidden) {
            var chain = [forbidden]
            while let previous = path[chain[0]], chain.count < 20 { chain.insert(previous, at: 0) }
            Issue.record("the agent reaches \(forbidden): \(chain.joined(separator: " → "))")
        }
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

    /// Module → imported module → files (relative to Sources/) that import it.
    static func importGraph() throws -> [String: [String: Set<String>]] {
        let fileManager = FileManager.default
        let sources = sourcesDirectory
        var graph: [String: [String: Set<String>]] = [:]
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
