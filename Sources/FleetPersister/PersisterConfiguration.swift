import FleetCore

/// Tuning of the persister loop; the defaults suit one replica on a small machine.
public struct PersisterConfiguration: Sendable {
    /// Deliveries taken per round (one store transaction).
    public var batchSize: Int
    /// How long to keep collecting deliveries after the first one arrived.
    public var batchWindow: Duration
    /// Waits between retries of a round the store failed to write (and after bus receive errors), growing
    /// with consecutive failures; the round is held and retried until it commits, never requeued.
    public var backoff: Backoff
    /// How often retention runs; nil disables it (for example when another process owns retention).
    public var retentionInterval: Duration?
    /// How often the rollup pass runs (`MetricStore.rollUp(now:)`); nil disables it. History stays correct
    /// without it (unrolled buckets are read from raw), only slower; every replica may run it, one at a time wins.
    public var rollupInterval: Duration?
    /// The edge's bounds, applied again to every batch taken from fleet.persist (`MetricBatchDecoder`).
    public var limits: BatchLimits = .standard

    public init(
        batchSize: Int = 100, batchWindow: Duration = .milliseconds(50),
        backoff: Backoff = Backoff(base: .milliseconds(200), cap: .seconds(30)),
        retentionInterval: Duration? = .seconds(3600), rollupInterval: Duration? = .seconds(10)
    ) {
        self.rollupInterval = rollupInterval
        self.batchSize = max(1, batchSize)
        self.batchWindow = batchWindow
        self.backoff = backoff
        self.retentionInterval = retentionInterval
    }
}
