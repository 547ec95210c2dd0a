import Foundation

/// Wall-clock milliseconds since 1970, the time base of samples.
@Sendable func currentTimeMillis() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
