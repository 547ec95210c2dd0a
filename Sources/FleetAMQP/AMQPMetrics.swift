import Metrics

/// The counters and timers of the AMQP adapter, created once per bus and shared by its connections.
/// Names follow Prometheus conventions; every process exports them on /metrics.
struct AMQPMetrics: Sendable {
    let published: Counter
    let confirmed: Counter
    let nacked: Counter
    let delivered: Counter
    let acked: Counter
    let requeued: Counter
    let deadLettered: Counter
    let reconnects: Counter
    /// From handing a publish to the connection thread until the broker confirmed all of it.
    let publishConfirmDuration: Metrics.Timer

    init(dimensions: [(String, String)] = []) {
        published = Counter(label: "fleetwatch_bus_published_total", dimensions: dimensions)
        confirmed = Counter(label: "fleetwatch_bus_confirmed_total", dimensions: dimensions)
        nacked = Counter(label: "fleetwatch_bus_nacked_total", dimensions: dimensions)
        delivered = Counter(label: "fleetwatch_bus_delivered_total", dimensions: dimensions)
        acked = Counter(label: "fleetwatch_bus_acked_total", dimensions: dimensions)
        requeued = Counter(label: "fleetwatch_bus_requeued_total", dimensions: dimensions)
        deadLettered = Counter(label: "fleetwatch_bus_dead_lettered_total", dimensions: dimensions)
        reconnects = Counter(label: "fleetwatch_bus_reconnects_total", dimensions: dimensions)
        publishConfirmDuration = Metrics.Timer(label: "fleetwatch_bus_publish_confirm_seconds", dimensions: dimensions)
    }
}
