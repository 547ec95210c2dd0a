@_spi(ExperimentalCustomExecutors) import _Concurrency
import Foundation
import Synchronization

/// Which threads run a process's Swift tasks. By default a Fleetwatch process runs them on NIO's event loops
/// (`MultiThreadedEventLoopGroup.singleton`, one thread per core), which already carry its sockets: a fixed set of
/// threads, and no hop between the pool and the loop for each message. The timers of `Task.sleep` (and of every
/// clock's sleep, in our code and in libraries') run on the loops too (`EventLoopTaskExecutor`).
///
/// Swift's own global executor on Linux is libdispatch's global pool, which adds a worker whenever it finds its
/// workers blocked while work is waiting, and retires one idle for a few seconds. On a saturated box that happens
/// under load: the 1-hour soaks at 1,000 machines ended with one or two more threads in ingest, a normalizer and
/// the gateway than they started with (docs/benchmarks.md, "Chaos and soak"). On the event loops the thread count
/// cannot follow the load. What still runs on libdispatch: libraries' own queues (GRDB's SQLite writer in the hub,
/// signal sources).
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

    /// Installs the choice of `environment`; call it first thing in `main`, before any other task starts. Returns
    /// what runs the tasks now; nil, changing nothing, when the variable names neither choice. Installing twice
    /// changes nothing the second time.
    @discardableResult
    public static func install(environment: [String: String] = ProcessInfo.processInfo.environment) -> Choice? {
        guard let choice = choice(in: environment) else { return nil }
        guard choice == .eventLoops else { return .dispatch }
        installed.withLock { installed in
            guard !installed else { return }
            // Swift's default executor from here on, for every task without an executor of its own.
            _createExecutors(factory: EventLoopExecutorFactory.self)
            installed = true
        }
        return .eventLoops
    }

    private static let installed = Mutex(false)
}
