import FleetProto
import Logging
import Tracing

/// The spans of a consumer that works on rounds of batches (persister, alert evaluator): once a round is
/// settled, one span per batch from the start of the round, continuing the trace the batch carried, and the
/// debug line about the batch written inside it (so it carries the trace id).
public enum BatchSpans {
    public static func record(
        _ operation: String, _ batches: some Sequence<Fleetwatch_V1_MetricBatch>,
        from start: DefaultTracerClock.Instant, logger: Logger, message: Logger.Message
    ) {
        for batch in batches {
            let span = startSpan(operation, context: TraceHeaders.context(traceParent: batch.traceParent), ofKind: .consumer, at: start)
            span.attributes["fleetwatch.machine_id"] = batch.machine.machineID
            span.attributes["fleetwatch.samples"] = batch.samples.count
            ServiceContext.withValue(span.context) {
                logger.debug(message, metadata: ["machine": "\(batch.machine.machineID)", "sequence": "\(batch.sequence)"])
            }
            span.end()
        }
    }
}
