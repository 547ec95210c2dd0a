/// The one table of HELP texts of every metric family Fleetwatch exposes on /metrics (docs/operations.md,
/// "Metrics"). swift-metrics has no place for help text, so `MetricsExposition` writes these lines in front of
/// each family's TYPE line. A family missing here has no HELP line, which `promtool check metrics` reports (the
/// system test tests/system/test_conventions.py fails on it): add new metrics here.
public enum MetricHelp {
    public static let texts: [String: String] = [
        // Every process.
        "fleetwatch_build_info": "Version of this Fleetwatch binary and the Swift compiler that built it; always 1.",
        "process_cpu_seconds_total": "User and system CPU time spent by this process, in seconds.",
        "process_resident_memory_bytes": "Resident memory of this process, in bytes.",
        "process_virtual_memory_bytes": "Virtual memory of this process, in bytes.",
        "process_open_fds": "Open file descriptors of this process.",
        "process_max_fds": "Limit of open file descriptors of this process (soft RLIMIT_NOFILE).",
        "process_start_time_seconds": "Start time of this process, in seconds since 1970.",
        "fleetwatch_heap_inuse_bytes": "Bytes of memory this process's live allocations hold (glibc malloc, every arena).",
        "fleetwatch_heap_free_bytes": "Bytes of free memory malloc keeps for this process (not yet given back to the kernel).",
        // The message bus (every AMQP user).
        "fleetwatch_bus_published_total": "Messages published to the broker.",
        "fleetwatch_bus_confirmed_total": "Published messages the broker confirmed.",
        "fleetwatch_bus_nacked_total": "Published messages the broker refused (nack).",
        "fleetwatch_bus_publish_confirm_seconds": "Time from handing a publish to the connection until all of it was confirmed.",
        "fleetwatch_bus_delivered_total": "Messages delivered to this process's consumers.",
        "fleetwatch_bus_acked_total": "Deliveries acknowledged.",
        "fleetwatch_bus_requeued_total": "Deliveries handed back to their queue.",
        "fleetwatch_bus_dead_lettered_total": "Deliveries rejected to their dead-letter queue.",
        "fleetwatch_bus_reconnects_total": "Reconnects to the broker; non-zero means it went away.",
        // Ingest edge.
        "fleetwatch_ingest_batches_total": "Collector batches by result: accepted, invalid, too_large or unavailable.",
        "fleetwatch_ingest_auth_failures_total": "Collector streams refused for a missing or wrong token.",
        "fleetwatch_ingest_readings_total": "Readings in accepted batches.",
        "fleetwatch_ingest_open_streams": "Collector streams open now.",
        "fleetwatch_ingest_refused_series_total": "New series refused because their machine is at its series limit.",
        "fleetwatch_ingest_publish_seconds": "Publish and broker confirm time per batch: the bulk of the ack latency.",
        // Normalizer.
        "fleetwatch_normalizer_batches_total": "Raw batches normalized.",
        "fleetwatch_normalizer_messages_consumed_total": "Deliveries taken from fleet.normalize.",
        "fleetwatch_normalizer_messages_published_total": "Canonical messages published to fleet.metrics.",
        "fleetwatch_normalizer_dead_lettered_total": "Poison raw batches sent to fleet.normalize.dlq.",
        "fleetwatch_normalizer_publish_failures_total": "Publishes to fleet.metrics that failed; the batch is held and retried.",
        "fleetwatch_normalizer_unknown_readings_total": "Readings without a canonical name, dropped.",
        "fleetwatch_normalizer_dropped_values_total": "Readings and canonical values dropped as unusable.",
        // Persister.
        "fleetwatch_persister_messages_consumed_total": "Deliveries taken from fleet.persist.",
        "fleetwatch_persister_samples_inserted_total": "Samples written as new rows.",
        "fleetwatch_persister_samples_duplicate_total": "Samples of redelivered batches, recognized and skipped.",
        "fleetwatch_persister_batches_duplicate_total": "Redelivered batches, recognized and skipped.",
        "fleetwatch_persister_dead_lettered_total": "Poison messages sent to fleet.persist.dlq.",
        "fleetwatch_persister_dropped_values_total": "Samples and process entries dropped as unusable.",
        "fleetwatch_persister_store_errors_total": "Failed store calls; non-zero means database trouble.",
        "fleetwatch_persister_store_stalled": "1 while the persister holds a round it could not write and retries it, else 0.",
        "fleetwatch_persister_held_messages": "Deliveries held while the persister retries a round, else 0.",
        "fleetwatch_persister_requeued_on_shutdown_total": "Deliveries handed back because the persister stopped while stalled.",
        "fleetwatch_persist_refused_series_total": "New series the persister dropped: their machine is at its series limit.",
        "fleetwatch_persister_batch_duration_seconds": "One persister round: decode, transaction and ack.",
        "fleetwatch_persister_minute_buckets_rolled_up_total": "Closed minutes of history rolled up into the 1-minute tier.",
        // Alert evaluator and notifier.
        "fleetwatch_alert_batches_evaluated_total": "Sample batches the alert evaluator ran the rules over.",
        "fleetwatch_alert_transitions_total": "Alert transitions written and published.",
        "fleetwatch_alert_dropped_values_total": "Samples dropped as unusable before evaluation.",
        "fleetwatch_alert_refused_batches_total": "Batches outside the edge's limits, skipped by the evaluator.",
        "fleetwatch_notifications_sent_total": "Alert notifications a destination accepted, by kind (webhook, slack, email).",
        "fleetwatch_notifications_failed_total":
            "Alert notifications a destination still refused after their attempts, by kind (webhook, slack, email).",
        "fleetwatch_notifications_silenced_total": "Alert transitions left out of notifications because a silence matched.",
        "fleetwatch_notifications_refused_total":
            "Alert transitions from fleet.notify failing their checks (machine id, time, bounds), dead-lettered.",
        "fleetwatch_notifications_inhibited_total":
            "Alert transitions left out of notifications because a firing alert inhibited theirs (inhibit_rules).",
        "fleetwatch_notifications_dead_lettered_total":
            "Alert notifications dead-lettered to fleet.notify.dlq after their attempts.",
        // Live view (gateway, config service, hub).
        "fleetwatch_fanout_messages_total": "Messages taken from this instance's fanout queue.",
        "fleetwatch_fanout_receive_latency_seconds": "Time from a batch's receipt at the edge to the live view.",
        "fleetwatch_fanout_undecodable_total": "Fanout messages that could not be decoded, dropped.",
        "fleetwatch_fanout_dropped_values_total": "Samples and process entries dropped as unusable before the live view.",
        "fleetwatch_fanout_refused_batches_total": "Batches outside the edge's limits, kept out of the live view.",
        "fleetwatch_fanout_refused_events_total":
            "Alert transitions, retirements and probe echoes from fleet.events failing their checks, kept out of the live view.",
        "fleetwatch_gateway_live_connections": "WebSocket clients connected to /api/v1/live now.",
        "fleetwatch_gateway_live_frames_total": "WebSocket frames sent to live clients.",
        "fleetwatch_gateway_live_refused_origins_total":
            "Live WebSocket upgrades refused because the page's Origin is neither the gateway's own nor allowed.",
        // Collector.
        "fleetwatch_collector_batches_collected": "Batches collected since start.",
        "fleetwatch_collector_batches_acked": "Batches the edge acknowledged since start.",
        "fleetwatch_collector_batches_dropped": "Batches dropped because the outbox was full.",
        "fleetwatch_collector_batches_rejected": "Batches the edge refused as invalid, dropped.",
        "fleetwatch_collector_buffer_batches": "Batches in the on-disk outbox now; grows while the edge is unreachable.",
        "fleetwatch_collector_reconnects": "Stream reconnects to the edge since start.",
        "fleetwatch_collector_tick_cpu_seconds": "CPU time of the last collection tick, in seconds.",
        // Probe.
        "fleetwatch_probe_hop_seconds": "Latency of a probe batch from sending to each hop of the pipeline.",
        "fleetwatch_probe_lost_total": "Probe batches that missed a hop within the timeout.",
        "fleetwatch_probe_sent_total": "Probe batches sent.",
        "fleetwatch_probe_interruptions_total": "Times the edge or gateway was unreachable and the probe started again.",
    ]
}
