import Foundation
import ServiceLifecycle

/// Gives freed heap memory back to the kernel every `interval` (`MallocArenas.trim`). glibc returns memory on its
/// own only from the top of an arena, so after a burst (a backlog drained after a stall, a large answer encoded) the
/// pages freed below live allocations stay resident, and a process's RSS follows its peak rather than what it holds.
/// Trimming releases them, so RSS follows what a process holds (the 1-hour soaks, docs/benchmarks.md "Chaos and
/// soak"). It walks the arenas' free lists once per interval. `FLEETWATCH_MALLOC_TRIM=off` turns it off.
public struct MallocTrimService: Service {
    public var interval: Duration

    public init(interval: Duration = .seconds(30)) {
        self.interval = interval
    }

    /// True unless `environment` sets FLEETWATCH_MALLOC_TRIM to off, 0 or false.
    public static func enabled(in environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !["off", "0", "false"].contains(environment["FLEETWATCH_MALLOC_TRIM"]?.lowercased() ?? "")
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                MallocArenas.trim()
            }
        }
    }
}
