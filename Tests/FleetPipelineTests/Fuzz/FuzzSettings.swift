import Foundation

/// How long and from where the fuzz harness runs. CI runs a fixed number of cases from a fresh seed; `scripts/fuzz`
/// runs for a time instead. Environment:
/// - `FLEETWATCH_FUZZ_SEED`: the seed (decimal or 0x-hex) to replay; otherwise a random one, printed.
/// - `FLEETWATCH_FUZZ_CASE`: run only this case of that seed (what a failure names).
/// - `FLEETWATCH_FUZZ_SECONDS`: run cases for this long instead of the fixed count.
struct FuzzSettings: Sendable {
    var seed: UInt64
    var onlyCase: Int?
    var seconds: Double?

    static let current = FuzzSettings(environment: ProcessInfo.processInfo.environment)

    init(environment: [String: String]) {
        if let text = environment["FLEETWATCH_FUZZ_SEED"], let seed = Self.parse(text) {
            self.seed = seed
        } else {
            var system = SystemRandomNumberGenerator()
            seed = system.next()
        }
        onlyCase = environment["FLEETWATCH_FUZZ_CASE"].flatMap { Int($0) }
        seconds = environment["FLEETWATCH_FUZZ_SECONDS"].flatMap { Double($0) }.map { max(0, $0) }
    }

    static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasPrefix("0x") { return UInt64(trimmed.dropFirst(2), radix: 16) }
        return UInt64(trimmed)
    }

    /// The test time limit: the fixed run is well inside 5 minutes; a timed run gets its seconds and a margin.
    var timeLimitMinutes: Int { 5 + Int((seconds ?? 0) / 60) }

    /// Runs `body` for case 0, 1, … : `fixedCount` cases, or until `seconds` passed, or only `onlyCase`.
    /// Stops early when `body` returns false. Returns how many cases ran.
    func forEachCase(fixedCount: Int, _ body: (Int) async throws -> Bool) async rethrows -> Int {
        if let onlyCase {
            _ = try await body(onlyCase)
            return 1
        }
        let deadline = seconds.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
        var index = 0
        while deadline.map({ ContinuousClock.now < $0 }) ?? (index < fixedCount) {
            let goOn = try await body(index)
            index += 1
            // CPU-bound cases must not hold one of the (two, here) cooperative threads for seconds: the suite runs
            // timing-sensitive tests in parallel.
            await Task.yield()
            if !goOn { break }
        }
        return index
    }

    var replayHint: String { "FLEETWATCH_FUZZ_SEED=\(seed)" }
}
