#if canImport(CMalloc)
import CMalloc
#endif
import Foundation

/// How many malloc arenas a long-running process keeps. glibc gives each thread that allocates under contention an
/// arena of its own, up to eight per core, and an arena's freed pages are rarely returned: a pool that grows one
/// thread under load keeps that thread's arena for good. Two arenas hold the RSS of every Fleetwatch process steady
/// at the cost of a little lock contention on a box this size (the hub at 3,000 machines @ 1 s: 782 → 645 MiB at
/// its peak; docs/benchmarks.md). `MALLOC_ARENA_MAX` in the environment wins, as it does for glibc itself.
public enum MallocArenas {
    public static let standard: Int32 = 2

    /// Applies `standard` unless the environment names its own limit; call it before the process starts threads.
    public static func limit(environment: [String: String] = ProcessInfo.processInfo.environment) {
        #if canImport(CMalloc)
        guard environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, standard)
        #endif
    }

    /// Returns every whole free page of every arena to the kernel (glibc's `malloc_trim(0)`); see `MallocTrimService`.
    public static func trim() {
        #if canImport(CMalloc)
        _ = malloc_trim(0)
        #endif
    }
}
