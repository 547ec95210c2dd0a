import Foundation

@testable import FleetCollector

/// Loads the /proc fixtures copied into Fixtures/ (live/ from a real machine, edge/ hand-made).
enum Fixture {
    static let root: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func text(_ name: String) -> String {
        try! String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
    }

    /// A temporary directory removed when the closure returns.
    static func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async rethrows -> T {
        let path = NSTemporaryDirectory() + "fleetwatch-collector-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "fleetwatch-collector-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
