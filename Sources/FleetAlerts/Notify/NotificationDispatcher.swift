import AsyncHTTPClient
import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import Logging
import Synchronization
import Metrics

/// Consumes alert transitions from fleet.notify, groups them along the routing tree (`AlertGrouper`) and
/// delivers each due notification to its receiver's webhooks, Slack webhooks and e-mail addresses, retrying with
/// backoff. Silenced alerts and alerts an inhibition rule holds back (`Inhibitor`) are left out.
///
/// At least once: a transition is acked only once every notification carrying it was delivered (or no
/// notification needs it: silenced, superseded, already told); one that still fails after `attempts` dead-letters
/// the transitions it carried to fleet.notify.dlq with the reason. Transitions wait unacked for their group's
/// notification, so the consumer's prefetch (`prefetch`) bounds how many can wait at once.
public struct NotificationDispatcher: Sendable {
    /// Unacked transitions the dispatcher holds at most: enough for an alert storm of this many transitions to
    /// wait out a group_wait together.
    public static let prefetch = 2000
    /// How often silences are read again.
    public static let silencePollInterval: Duration = .seconds(5)

    let bus: any MessageBus
    let configuration: NotifyConfiguration
    let integrations: [String: [any NotificationIntegration]]
    let attempts: Int
    /// How a failed delivery to one destination is tried again (`attempts` times in all).
    let retry: RetryPolicy
    let logger: Logger
    let now: @Sendable () -> Int64
    let silences: @Sendable () async throws -> [Silence]
    /// The alerts firing now, by the alert history: read at start, so an inhibition holds across a restart, and
    /// with every silence read, so a source resolved elsewhere stops inhibiting (`Inhibitor.reset`).
    let firing: @Sendable () async throws -> [Fleetwatch_V1_Alert]
    let tick: Duration
    /// Transitions taken into the groups so far (what a test waits for before moving its clock).
    let grouped = GroupedCount()

    /// How a failed delivery is tried again by default: 200 ms, 400 ms, 800 ms … up to 10 s between attempts, the
    /// whole ceiling each time (no jitter).
    public static let deliveryRetry = RetryPolicy(
        backoff: Backoff(base: .milliseconds(200), cap: .seconds(10)), random: { 1 })

    /// - Parameters:
    ///   - attempts: tries per destination before a notification counts as failed.
    ///   - retry: the waits between those tries.
    ///   - timeout: how long one delivery (a POST, an SMTP session) may take.
    ///   - silences: the silences in force, read every `silencePollInterval`; by default none.
    ///   - firing: the alerts firing now (alert history, `firingAlerts(in:)`), read at start and every
    ///     `silencePollInterval` for the inhibition rules: a source alert that fired before the start still
    ///     inhibits, and one whose resolution another replica took stops. By default none.
    ///   - tick: how often due groups are looked for.
    public init(
        bus: any MessageBus, configuration: NotifyConfiguration, attempts: Int = 5, retry: RetryPolicy = deliveryRetry,
        timeout: Duration = .seconds(5), httpClient: HTTPClient = .shared, logger: Logger,
        now: @escaping @Sendable () -> Int64, silences: @escaping @Sendable () async throws -> [Silence] = { [] },
        firing: @escaping @Sendable () async throws -> [Fleetwatch_V1_Alert] = { [] }, tick: Duration = .milliseconds(100)
    ) {
        self.bus = bus
        self.configuration = configuration
        self.attempts = max(1, attempts)
        self.retry = retry
        self.logger = logger
        self.now = now
        self.silences = silences
        self.firing = firing
        self.tick = tick
        var integrations: [String: [any NotificationIntegration]] = [:]
        for (name, receiver) in configuration.receivers {
            integrations[name] =
                receiver.webhooks.map { WebhookIntegration(url: $0, httpClient: httpClient, timeout: timeout) }
                + receiver.slack.map {
                    SlackIntegration(url: $0.url, channel: $0.channel, httpClient: httpClient, timeout: timeout)
                } + receiver.email.map { EmailIntegration(email: $0, timeout: timeout) }
        }
        self.integrations = integrations
    }

    init(
        bus: any MessageBus, configuration: NotifyConfiguration, integrations: [String: [any NotificationIntegration]],
        attempts: Int, retry: RetryPolicy = deliveryRetry, logger: Logger, now: @escaping @Sendable () -> Int64,
        silences: @escaping @Sendable () async throws -> [Silence],
        firing: @escaping @Sendable () async throws -> [Fleetwatch_V1_Alert] = { [] }, tick: Duration
    ) {
        self.bus = bus
        self.configuration = configuration
        self.integrations = integrations
        self.attempts = max(1, attempts)
        self.retry = retry
        self.logger = logger
        self.now = now
        self.silences = silences
        self.firing = firing
        self.tick = tick
    }

    private enum Event: Sendable {
        case delivery(Delivery)
        case delivered(groupKey: String, receipts: [UInt64], failure: String?)
        case tick
        case consumerEnded
        case consumerFailed(any Error)
        /// The alerts firing now, read from the history.
        case firing([(id: String, labels: [String: String])])
    }

    public func run() async throws {
        let consumer = try await bus.consume(queue: FleetQueue.notify, prefetch: Self.prefetch)
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let silenced = SilenceSnapshot()
        var ledger = TransitionLedger(consumer: consumer, logger: logger)
        var grouper = AlertGrouper(root: configuration.route)
        var inhibitor = Inhibitor(rules: configuration.inhibitRules)
        if let firing = await readFiring() { inhibitor.reset(firing: firing) }
        var busy: Set<String> = []
        defer { continuation.finish() }
        // Known before the first group is looked at.
        await readSilences(into: silenced)
        // Discarding: a notification's task is gone once it finished. A plain task group keeps every finished
        // child until someone awaits it, which a dispatcher that runs for weeks never does (the 1-hour soak saw the
        // alert process grow by ~4 KiB per notification).
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                do {
                    while let delivery = try await consumer.next() { continuation.yield(.delivery(delivery)) }
                    continuation.yield(.consumerEnded)
                } catch {
                    continuation.yield(.consumerFailed(error))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: tick)
                    continuation.yield(.tick)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: Self.silencePollInterval)
                    await readSilences(into: silenced)
                    if let firing = await readFiring() { continuation.yield(.firing(firing)) }
                }
            }
            // Closing the consumer ends the reader's wait for the next delivery (cancelling it does not), and
            // hands the unacked transitions back to the queue.
            do {
                loop: for await event in events {
                    switch event {
                    case .consumerEnded:
                        break loop
                    case .consumerFailed(let error):
                        throw error
                    case .tick:
                        break
                    case .firing(let firing):
                        inhibitor.reset(firing: firing)
                    case .delivery(let delivery):
                        try await take(delivery, grouper: &grouper, inhibitor: &inhibitor, ledger: &ledger)
                    case .delivered(let key, let receipts, let failure):
                        busy.remove(key)
                        for receipt in receipts { try await ledger.settle(receipt, failure: failure) }
                    }
                    let flush = grouper.flush(atMs: now(), silences: silenced.current, inhibitor: inhibitor, busy: busy)
                    for alert in flush.silenced {
                        Self.silencedCounter.increment()
                        logger.info("alert silenced; not notified", metadata: Self.metadata(alert))
                    }
                    for held in flush.inhibited {
                        Self.inhibitedCounter.increment()
                        var metadata = Self.metadata(held.alert)
                        metadata["inhibited_by"] = "\(held.by.joined(separator: ","))"
                        logger.info("alert inhibited; not notified", metadata: metadata)
                    }
                    for receipt in flush.settled { try await ledger.settle(receipt, failure: nil) }
                    for notification in flush.notifications {
                        busy.insert(notification.groupKey)
                        group.addTask {
                            let failure = await deliver(notification)
                            continuation.yield(
                                .delivered(groupKey: notification.groupKey, receipts: notification.receipts, failure: failure))
                        }
                    }
                }
            } catch {
                await consumer.close()
                group.cancelAll()
                throw error
            }
            await consumer.close()
            group.cancelAll()
        }
    }

    private func readSilences(into snapshot: SilenceSnapshot) async {
        do {
            snapshot.replace(try await silences())
        } catch {
            logger.warning("reading silences failed; keeping the last ones", metadata: ["error": "\(error)"])
        }
    }

    /// The alerts firing now, for the inhibitor; nil without inhibition rules (nothing is read) or when the read
    /// failed (the inhibitor keeps what it knows).
    private func readFiring() async -> [(id: String, labels: [String: String])]? {
        guard !configuration.inhibitRules.isEmpty else { return nil }
        do {
            return try await firing().filter { $0.status == .firing }.map { ($0.id, AlertLabels.of($0)) }
        } catch {
            logger.warning(
                "reading firing alerts failed; inhibition goes on from the transitions that arrive",
                metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The `firing` reader for a dispatcher beside an alert store: the newest firing alerts of its history, as
    /// many as one read returns (`firingReadLimit`).
    public static func firingAlerts(in store: some AlertStore) -> @Sendable () async throws -> [Fleetwatch_V1_Alert] {
        { try await store.alerts(.with { $0.statuses = [.firing]; $0.limit = Int32(firingReadLimit) }) }
    }

    /// Firing alerts read from the history for the inhibitor at most (docs/alerts.md, "Inhibition").
    public static let firingReadLimit = 1_000

    private func take(
        _ delivery: Delivery, grouper: inout AlertGrouper, inhibitor: inout Inhibitor, ledger: inout TransitionLedger
    ) async throws {
        guard let transition = try? Fleetwatch_V1_AlertTransition(serializedBytes: delivery.body) else {
            try await ledger.consumer.deadLetter(delivery, reason: "not a decodable fleetwatch.v1.AlertTransition")
            return
        }
        // Anyone with broker access can publish on fleet.events: a transition that breaks the evaluator's own
        // bounds (machine id, time, labels, text lengths) is nobody's notification.
        do {
            try transition.validate(nowMs: now())
        } catch {
            Self.refusedCounter.increment()
            try await ledger.consumer.deadLetter(delivery, reason: "refused: \(error)")
            return
        }
        guard transition.to == .firing || transition.to == .resolved else {
            try await ledger.consumer.ack([delivery])
            return
        }
        let alert = NotifiedAlert(id: AlertRecord.id(of: transition), transition: transition)
        let receipt = ledger.hold(delivery)
        inhibitor.observe(alert)
        let groups = grouper.receive(alert, receipt: receipt, atMs: now())
        grouped.add()
        logger.debug(
            "alert transition grouped for notification",
            metadata: Self.metadata(alert).merging(["groups": "\(groups)"]) { $1 })
        try await ledger.expect(receipt, notifications: groups.count)
    }

    /// Nil once every destination of the notification's receiver took it; else why the last attempts failed.
    func deliver(_ notification: AlertNotification) async -> String? {
        let rendered = configuration.templates(of: notification.receiver).render(notification)
        let message = RenderedNotification(notification: notification, title: rendered.title, body: rendered.body)
        var failures: [String] = []
        for integration in integrations[notification.receiver] ?? [] {
            if let failure = await attempt(integration, message) {
                Counter(label: "fleetwatch_notifications_failed_total", dimensions: [("kind", integration.kind)])
                    .increment()
                failures.append("\(integration.kind) failed after \(attempts) attempts: \(integration.target): \(failure)")
            } else {
                Counter(label: "fleetwatch_notifications_sent_total", dimensions: [("kind", integration.kind)])
                    .increment()
            }
        }
        let alerts = notification.alerts.map(Self.summary).joined(separator: "; ")
        var metadata: Logger.Metadata = [
            "receiver": "\(notification.receiver)", "group": "\(notification.groupKey)",
            "status": "\(notification.status.rawValue)", "alerts": "\(alerts)",
        ]
        guard failures.isEmpty else {
            metadata["reason"] = "\(failures.joined(separator: "; "))"
            logger.error(
                "notification failed after \(attempts) attempts; \(notification.receipts.isEmpty ? "not retried" : "dead-lettered")",
                metadata: metadata)
            return failures.joined(separator: "; ")
        }
        logger.info("notification sent", metadata: metadata)
        return nil
    }

    /// Nil on success, else why the last attempt failed (after `attempts`, or fewer when stopping).
    func attempt(_ integration: any NotificationIntegration, _ message: RenderedNotification) async -> String? {
        switch await retry.run(attempts: attempts, { try await integration.deliver(message) }) {
        case .success: nil
        case .failure(let error): "\(error)"
        }
    }

    static let refusedCounter = Counter(label: "fleetwatch_notifications_refused_total")
    static let silencedCounter = Counter(label: "fleetwatch_notifications_silenced_total")
    static let inhibitedCounter = Counter(label: "fleetwatch_notifications_inhibited_total")

    /// How log lines name an alert: rule, machine and its series labels.
    static func metadata(_ alert: NotifiedAlert) -> Logger.Metadata {
        [
            "alert_id": "\(alert.id)", "rule": "\(alert.rule)", "machine_id": "\(alert.machineID)",
            "labels": "\(alert.seriesText)", "status": "\(alert.status.rawValue)",
        ]
    }

    /// `cpu high on web-1 [cpu=total] firing`.
    static func summary(_ alert: NotifiedAlert) -> String {
        let series = alert.seriesText.isEmpty ? "" : " [\(alert.seriesText)]"
        return "\(alert.rule) on \(alert.machineID)\(series) \(alert.status.rawValue)"
    }
}

/// A count shared by the copies of a dispatcher.
final class GroupedCount: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add() { count.withLock { $0 += 1 } }
}
