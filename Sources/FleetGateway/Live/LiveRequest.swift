import FleetFanout

/// What a browser asked for on /api/v1/live: a topic, and for the fleet how it wants it.
struct LiveRequest: Equatable {
    /// The shape of the fleet topic's messages.
    enum Format: Equatable {
        /// `machines` messages with whole machine objects, as soon as machines change.
        case machines
        /// `overview` messages with compact rows (`OverviewRow`), at most one per `interval`, holding every
        /// machine that changed meanwhile.
        case overview(interval: Duration)

        /// The pause after an update is sent, which coalesces the next one; nil when updates go out at once.
        var pause: Duration? {
            if case .overview(let interval) = self { interval } else { nil }
        }
    }

    var topic: LiveTopic
    var format: Format = .machines

    static let defaultOverviewInterval = Duration.seconds(1)
    static let overviewIntervalRange = 250...10_000
}
