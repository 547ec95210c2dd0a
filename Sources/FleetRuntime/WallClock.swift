import Foundation

/// Wall-clock milliseconds since 1970, the time base of samples: what processes inject as `now` into the
/// consumers and services, which never read the clock themselves.
@Sendable public func currentTimeMillis() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
