import Metrics

/// The persister's swift-metrics instruments (exported by whatever metrics backend the process bootstraps).
struct PersisterMetrics: Sendable {
    let messagesConsumed = Counter(label: "fleetwatch_persister_messages_consumed_total")
    let samplesInserted = Counter(label: "fleetwatch_persister_samples_inserted_total")
    let samplesDuplicate = Counter(label: "fleetwatch_persister_samples_duplicate_total")
    let batchesDuplicate = Counter(label: "fleetwatch_persister_batches_duplicate_total")
    let deadLettered = Counter(label: "fleetwatch_persister_dead_lettered_total")
    /// Samples and process entries removed from a batch for an unusable value (`SampleValue`); the rest is persisted.
    static let droppedValues = "fleetwatch_persister_dropped_values_total"
    /// 1-minute buckets the rollup passes of this process (re)computed.
    let rolledUpMinutes = Counter(label: "fleetwatch_persister_minute_buckets_rolled_up_total")
    /// Every failed store call: each retry of a held round, and failed retention and rollup passes.
    let storeErrors = Counter(label: "fleetwatch_persister_store_errors_total")
    /// 1 while the persister holds a round it could not write and retries it (stalled on the database), else 0.
    let storeStalled = Gauge(label: "fleetwatch_persister_store_stalled")
    /// Deliveries held unacked while stalled on the database (0 when not stalled).
    let heldMessages = Gauge(label: "fleetwatch_persister_held_messages")
    /// Deliveries handed back to the queue because the process stopped while their round was being retried.
    let requeuedOnShutdown = Counter(label: "fleetwatch_persister_requeued_on_shutdown_total")
    /// From taking a round of deliveries to acking them (includes the time spent retrying a failing store).
    let batchDuration = Timer(label: "fleetwatch_persister_batch_duration_seconds", preferredDisplayUnit: .seconds)
}
