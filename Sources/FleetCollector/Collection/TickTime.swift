#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The moment of one collection tick: wall time for the batch timestamp, monotonic time for rates
/// (so a wall clock step cannot produce a negative or huge rate). Passed in, so tests are deterministic.
public struct TickTime: Sendable, Equatable {
    /// Milliseconds since the Unix epoch.
    public var wallMillis: Int64
    /// Nanoseconds of a monotonic clock with an arbitrary origin.
    public var monotonicNanos: UInt64

    public init(wallMillis: Int64, monotonicNanos: UInt64) {
        self.wallMillis = wallMillis
        self.monotonicNanos = monotonicNanos
    }

    /// Seconds from `earlier` to this tick on the monotonic clock (negative if out of order).
    public func seconds(since earlier: TickTime) -> Double {
        Double(Int64(bitPattern: monotonicNanos &- earlier.monotonicNanos)) / 1e9
    }

    /// A tick `duration` after this one (both clocks advanced), for tests and measurements.
    public func advanced(by duration: Duration) -> TickTime {
        let (seconds, attoseconds) = duration.components
        let nanos = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return TickTime(
            wallMillis: wallMillis + nanos / 1_000_000,
            monotonicNanos: UInt64(Int64(monotonicNanos) + nanos))
    }

    /// The current time from CLOCK_REALTIME and CLOCK_MONOTONIC.
    public static func now() -> TickTime {
        var wall = timespec()
        var mono = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        clock_gettime(CLOCK_MONOTONIC, &mono)
        return TickTime(
            wallMillis: Int64(wall.tv_sec) * 1000 + Int64(wall.tv_nsec) / 1_000_000,
            monotonicNanos: UInt64(mono.tv_sec) * 1_000_000_000 + UInt64(mono.tv_nsec))
    }
}
