import Metrics

/// The persister's swift-metrics instruments (exported by whatever metrics backend the process bootstraps).
struct PersisterMetrics: Sendable {
    let messagesConsumed = Counter(label: "fleetwatch_persister_messages_consumed_total")
    let samplesInserted = Counter(label: "fleetwatch_persister_samples_inserted_total")
    let samplesDuplicate = Counter(label: "fleetwatch_persister_samples_duplicate_total")
    let batchesDuplicate = Counter(label: "fleetwatch_persister_batches_duplicate_total")
    let deadLettered = Counter(label: "fleetwatch_persister_dead_lettered_total")
    let storeErrors = Counter(label: "fleetwatch_persister_store_errors_total")
    /// From taking a round of deliveries to acking them.
    let batchDuration = Timer(label: "fleetwatch_persister_batch_duration_seconds", preferredDisplayUnit: .seconds)
}
