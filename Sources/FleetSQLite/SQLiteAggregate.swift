/// Min, max, sum and count of some samples: what a rollup row stores and a history point shows.
///
/// Every tier folds with this one type in one order (samples by time into minutes, minutes into hours, hours
/// into a step), whether the rollup pass or a history query over not-yet-rolled data does it. Floating-point
/// sums depend on order, so sharing it is what makes a history answer the same before and after `rollUp`.
struct SQLiteAggregate: Sendable, Equatable {
    var min: Double
    var max: Double
    var sum: Double
    var count: Int

    init(min: Double, max: Double, sum: Double, count: Int) {
        self.min = min
        self.max = max
        self.sum = sum
        self.count = count
    }

    init(_ value: Double) {
        self.init(min: value, max: value, sum: value, count: 1)
    }

    mutating func add(_ value: Double) {
        if value < min { min = value }
        if value > max { max = value }
        sum += value
        count += 1
    }

    mutating func merge(_ other: SQLiteAggregate) {
        if other.min < min { min = other.min }
        if other.max > max { max = other.max }
        sum += other.sum
        count += other.count
    }
}

extension Optional where Wrapped == SQLiteAggregate {
    /// Folds `value` in, starting a new aggregate when there is none yet.
    mutating func add(_ value: Double) {
        if self == nil { self = SQLiteAggregate(value) } else { self!.add(value) }
    }

    mutating func merge(_ other: SQLiteAggregate) {
        if self == nil { self = other } else { self!.merge(other) }
    }
}
