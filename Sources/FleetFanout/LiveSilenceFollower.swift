import FleetCore
import FleetStore
import Logging
import Synchronization

/// Keeps the live view's copy of the active silences (`LiveHub.applySilences`) fresh: it reads them every
/// `interval`, and at once when asked (`refresh`, after this process created or expired one). So the overview's
/// counts and the live alert messages' `silenced_by` follow a silence within seconds, without each browser reading
/// REST. A failed read keeps the last silences and is logged once until a read succeeds again.
public struct LiveSilenceFollower: Sendable {
    /// How often the silences are read by default.
    public static let defaultInterval: Duration = .seconds(2)

    let hub: LiveHub
    let store: any SilenceStore
    let interval: Duration
    let logger: Logger
    let now: @Sendable () -> Int64
    private let failing = FailureFlag()
    private let reads = ReadOrder()

    public init(
        hub: LiveHub, store: any SilenceStore, interval: Duration = Self.defaultInterval, logger: Logger,
        now: @escaping @Sendable () -> Int64
    ) {
        self.hub = hub
        self.store = store
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    /// Reads the silences every `interval` until cancelled.
    public func run() async throws {
        while !Task.isCancelled {
            await refresh()
            try await Task.sleep(for: interval)
        }
    }

    /// Reads the silences active now and hands them to the hub; true when they changed.
    @discardableResult
    public func refresh() async -> Bool {
        let ticket = reads.start()
        do {
            let active = try await store.silences(activeAtMs: now())
            if failing.set(false) { logger.info("reading silences works again") }
            // The periodic read and one asked for after a change can overlap: a read that started earlier must not
            // put back what a later one already applied.
            return reads.applyIfNewest(ticket) { hub.applySilences(active) } ?? false
        } catch {
            if !failing.set(true) {
                logger.warning(
                    "reading silences failed; the live view keeps the last ones", metadata: ["error": "\(error)"])
            }
            return false
        }
    }
}

/// Numbers the reads in the order they started, so only a read newer than the last applied one is applied.
private final class ReadOrder: Sendable {
    private let state = Mutex((started: UInt64(0), applied: UInt64(0)))

    func start() -> UInt64 {
        state.withLock { state in
            state.started += 1
            return state.started
        }
    }

    /// Runs `apply` (under the lock, so applies keep their order) unless a newer read was applied already.
    func applyIfNewest<T>(_ ticket: UInt64, _ apply: () -> T) -> T? {
        state.withLock { state in
            guard ticket > state.applied else { return nil }
            state.applied = ticket
            return apply()
        }
    }
}

/// Whether the last read failed, so a lasting failure is logged once.
private final class FailureFlag: Sendable {
    private let failed = Mutex(false)

    /// Sets the flag; returns what it was.
    func set(_ value: Bool) -> Bool {
        failed.withLock { flag in
            defer { flag = value }
            return flag
        }
    }
}
