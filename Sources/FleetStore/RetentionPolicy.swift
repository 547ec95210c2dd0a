/// How long each resolution of history is kept. Raw samples go by whole UTC days (daily partitions).
public struct RetentionPolicy: Sendable, Equatable {
    public var raw: Duration
    public var minuteRollup: Duration
    public var hourRollup: Duration

    public static let day: Duration = .seconds(86_400)
    /// How long five-second summaries of raw ticks are kept at most (fixed in this version): charts of the last week
    /// read them; older short ranges read the raw ticks, which is slower but the same answer.
    public static let summaryLimit: Duration = day * 7

    /// The five-second summaries' retention: `summaryLimit`, or the raw retention when that is shorter.
    public var summaries: Duration { min(raw, Self.summaryLimit) }

    /// Defaults: raw 30 days, 1-minute rollups 90 days, 1-hour rollups 2 years.
    public init(
        raw: Duration = day * 30, minuteRollup: Duration = day * 90, hourRollup: Duration = day * 730
    ) {
        self.raw = raw
        self.minuteRollup = minuteRollup
        self.hourRollup = hourRollup
    }
}

/// What one retention pass removed.
public struct RetentionReport: Sendable, Equatable {
    /// Names of the dropped daily partitions (PostgreSQL) or days (other stores).
    public var droppedPartitions: [String]
    public var deletedMinuteRollups: Int
    public var deletedHourRollups: Int
    public var deletedBatchRecords: Int

    public init(
        droppedPartitions: [String] = [], deletedMinuteRollups: Int = 0, deletedHourRollups: Int = 0,
        deletedBatchRecords: Int = 0
    ) {
        self.droppedPartitions = droppedPartitions
        self.deletedMinuteRollups = deletedMinuteRollups
        self.deletedHourRollups = deletedHourRollups
        self.deletedBatchRecords = deletedBatchRecords
    }
}
