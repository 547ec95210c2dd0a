import FleetThreads
import NIOCore
import NIOPosix

/// Process-wide settings that keep the standalone agent (`fleetwatch-agent`) light, applied once at its start:
/// an agent holds one connection, so it needs one event loop thread rather than one per core.
public enum AgentFootprint {
    /// Before any networking, and only once (NIO refuses a second setting): NIO's singleton event loop group and
    /// blocking pool get one thread each. Returns the executor that runs the agent's tasks, and the timers of their
    /// sleeps, on that one event loop.
    /// Calling it again returns the same executor (the settings are made by the first call only).
    public static func apply() -> EventLoopTaskExecutor { executor }

    private static let executor: EventLoopTaskExecutor = {
        NIOSingletons.groupLoopCountSuggestion = 1
        NIOSingletons.blockingPoolThreadCountSuggestion = 1
        return EventLoopTaskExecutor(group: MultiThreadedEventLoopGroup.singleton)
    }()
}
