import FleetThreads
import NIOCore
import NIOPosix

/// Process-wide settings that keep the standalone agent (`fleetwatch-agent`) light, applied once at its start:
/// an agent holds one connection, so it needs one event loop thread rather than one per core.
public enum AgentFootprint {
    /// Before any networking, and only once (NIO refuses a second setting): NIO's singleton event loop group and
    /// blocking pool get one thread each, and Swift's default executor runs on that loop (`TaskThreads`, as in every
    /// `fleetwatch` process; `FLEETWATCH_EXECUTOR=dispatch` keeps libdispatch's pool). Returns the executor that runs
    /// the agent's tasks, and the timers of their sleeps, on that one event loop; nil when FLEETWATCH_EXECUTOR names
    /// neither choice. Calling it again returns the same (the settings are made by the first call only).
    public static func apply() -> EventLoopTaskExecutor? { executor }

    private static let executor: EventLoopTaskExecutor? = {
        NIOSingletons.groupLoopCountSuggestion = 1
        NIOSingletons.blockingPoolThreadCountSuggestion = 1
        guard TaskThreads.install() != nil else { return nil }
        return EventLoopTaskExecutor.singleton
    }()
}
