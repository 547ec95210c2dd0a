import Foundation
import NIOCore
import NIOPosix

/// Which threads run a process's Swift tasks. By default a Fleetwatch process runs them on NIO's event loops
/// (`MultiThreadedEventLoopGroup.singleton`, one thread per core), which already carry its sockets: a fixed set of
/// threads, and no hop between the pool and the loop for each message.
///
/// Swift's own global executor on Linux is libdispatch's global pool, which adds a worker whenever it finds its
/// workers blocked while work is waiting, and keeps it while work keeps arriving. On a saturated box that happens
/// under load: the 1-hour soaks at 1,000 machines ended with one or two more threads in ingest, a normalizer and
/// the gateway than they started with (docs/benchmarks.md, "Chaos and soak"). On the event loops the thread count
/// cannot follow the load. What still runs on libdispatch: the first slice of a task after `Task.sleep` (Swift 6.3
/// schedules the sleep's timer on its own dispatch-based global executor, past the runtime's enqueue hooks; a
/// 1-hour soak still ended with one extra, idle pool worker in three processes) and libraries' own queues (GRDB's
/// SQLite writer in the hub, signal sources).
///
/// `FLEETWATCH_EXECUTOR=dispatch` keeps Swift's default.
public enum TaskThreads {
    public enum Choice: String, Sendable {
        case eventLoops = "event-loops"
        case dispatch
    }

    /// The choice `environment` makes (FLEETWATCH_EXECUTOR: `event-loops`, the default, or `dispatch`); nil when it
    /// names neither.
    public static func choice(in environment: [String: String]) -> Choice? {
        guard let value = environment["FLEETWATCH_EXECUTOR"]?.lowercased(), !value.isEmpty else { return .eventLoops }
        return Choice(rawValue: value)
    }

    /// Installs the choice of `environment`; call it first thing in `main`, before any task starts and only once.
    /// Returns what runs the tasks now (`dispatch` when the variable says so or the runtime refused the event loops);
    /// nil, changing nothing, when the variable names neither.
    @discardableResult
    public static func install(environment: [String: String] = ProcessInfo.processInfo.environment) -> Choice? {
        guard let choice = choice(in: environment) else { return nil }
        guard choice == .eventLoops,
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        else { return .dispatch }
        return .eventLoops
    }
}
