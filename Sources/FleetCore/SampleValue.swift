/// Which sample values the pipeline carries. A value is usable when it is finite and at most 1e300 in
/// magnitude: JSON has no Inf or NaN (a gateway answering with one fails), and the margin below
/// `Double.greatestFiniteMagnitude` keeps every sum the pipeline computes over a series (rollups, history
/// buckets, the fleet summary) finite, where two 1e308 values would overflow — to +Inf in Swift, to an
/// "value out of range: overflow" error in PostgreSQL. No real measurement comes near the bound; a value
/// beyond it comes from a broken or hostile sender.
public enum SampleValue {
    /// The largest magnitude a stored or shown value may have.
    public static let maxMagnitude = 1e300

    public static func isUsable(_ value: Double) -> Bool {
        value.magnitude <= maxMagnitude  // false for NaN and ±Inf as well
    }

    /// Why `value` is not usable, or nil when it is.
    public static func problem(with value: Double) -> String? {
        if !value.isFinite { return "value \(value) is not a finite number" }
        if !isUsable(value) { return "value \(value) is beyond ±\(maxMagnitude)" }
        return nil
    }
}
