import FleetStore
import Foundation

/// One UTC day of raw data: the partition `ticks_pYYYYMMDD` holding [midnight, next midnight), its five-second
/// summaries `ticks_5s_pYYYYMMDD`, or `samples_pYYYYMMDD` of the row-per-sample table written before schema
/// version 5 (read and expired only).
struct DailyPartition: Hashable, Sendable, Comparable {
    /// The partitioned parent table.
    enum Parent: String, Sendable, CaseIterable {
        /// One row per machine tick (schema version 5 on).
        case ticks
        /// Five-second summaries of the ticks, written by the rollup pass (schema version 9 on; a row per minute from 10).
        case fiveSeconds = "ticks_5s"
        /// One row per sample, before schema version 5: kept readable until retention drops it.
        case samples

        var prefix: String { rawValue + "_p" }
    }

    static let millisecondsPerDay: Int64 = 86_400_000

    var parent: Parent
    /// Days since 1970-01-01.
    var day: Int64

    init(day: Int64, parent: Parent = .ticks) {
        self.day = day
        self.parent = parent
    }

    init(containingMilliseconds ms: Int64, parent: Parent = .ticks) {
        day = ms >= 0 ? ms / Self.millisecondsPerDay : (ms - Self.millisecondsPerDay + 1) / Self.millisecondsPerDay
        self.parent = parent
    }

    init(containing date: Date, parent: Parent = .ticks) {
        self.init(containingMilliseconds: date.millisecondsSince1970, parent: parent)
    }

    /// Parses a partition name; nil for anything else.
    init?(name: String) {
        guard let parent = Parent.allCases.first(where: { name.hasPrefix($0.prefix) }) else { return nil }
        self.parent = parent
        let digits = name.dropFirst(parent.prefix.count)
        guard digits.count == 8, digits.allSatisfy(\.isASCII), let value = Int(digits) else { return nil }
        let (year, month, dayOfMonth) = (value / 10_000, value / 100 % 100, value % 100)
        guard (1...12).contains(month), (1...31).contains(dayOfMonth) else { return nil }
        day = Self.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(dayOfMonth))
    }

    var name: String {
        let (year, month, dayOfMonth) = Self.civil(fromDays: day)
        return parent.prefix + pad(year, 4) + pad(month, 2) + pad(dayOfMonth, 2)
    }

    var lowerBound: Date { Date(timeIntervalSince1970: Double(day) * 86_400) }
    var upperBound: Date { Date(timeIntervalSince1970: Double(day + 1) * 86_400) }

    /// Timestamp literal of the start of `day`, e.g. `2026-11-27 00:00:00+00`.
    static func literal(day: Int64) -> String {
        let (year, month, dayOfMonth) = civil(fromDays: day)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2)) 00:00:00+00"
    }

    /// The statement that creates the partition if it is missing.
    var createStatement: String {
        "CREATE TABLE IF NOT EXISTS \(name) PARTITION OF \(parent.rawValue) FOR VALUES FROM ('\(Self.literal(day: day))') TO ('\(Self.literal(day: day + 1))')"
    }

    static func < (lhs: DailyPartition, rhs: DailyPartition) -> Bool {
        (lhs.day, lhs.parent.rawValue) < (rhs.day, rhs.parent.rawValue)
    }

    // Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian, no Calendar, no time zone.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }
}

private func pad(_ value: Int64, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
