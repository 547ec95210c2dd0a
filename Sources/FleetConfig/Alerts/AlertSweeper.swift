import FleetCore
import FleetFanout
import FleetProto
import FleetStore
import Logging

/// The backstop that keeps any alert from staying open forever. Rule deletes, disables and retirements end
/// their alerts at once (`AlertEnder`); an evaluator ends the threshold alerts of a machine that went silent. What
/// can slip past them — an evaluator that raced a delete, or one that restarted and never met a machine again —
/// this sweep ends every `interval`: open alerts of a rule that is gone or disabled, and open threshold alerts of a
/// machine silent for longer than `silentAfter` (no-data alerts are about silence and stay).
public struct AlertSweeper: Sendable {
    let rules: any RuleStore
    let alerts: any AlertStore
    let ender: AlertEnder
    let hub: LiveHub
    let silentAfter: Duration
    let interval: Duration
    let logger: Logger
    let now: @Sendable () -> Int64

    public init(
        rules: any RuleStore, alerts: any AlertStore, ender: AlertEnder, hub: LiveHub, silentAfter: Duration = .seconds(600),
        interval: Duration = .seconds(30), logger: Logger, now: @escaping @Sendable () -> Int64
    ) {
        self.rules = rules
        self.alerts = alerts
        self.ender = ender
        self.hub = hub
        self.silentAfter = silentAfter
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            do { try await sweep() } catch {
                logger.warning("sweeping open alerts failed; trying again later", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One sweep; returns how many alerts it ended.
    @discardableResult
    public func sweep() async throws -> Int {
        let byID = Dictionary(try await rules.rules().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let open = try await alerts.alerts(
            .with {
                $0.statuses = [.pending, .firing]
                $0.limit = 1000
            })
        let silentBefore = now() - silentAfter.wholeMilliseconds
        var ending: [AlertEnd: [Fleetwatch_V1_Alert]] = [:]
        for alert in open {
            if let reason = Self.reason(
                toEnd: alert, rule: byID[alert.ruleID], lastSeenMs: hub.machine(alert.machineID)?.lastSeenMs,
                silentBefore: silentBefore)
            {
                ending[reason, default: []].append(alert)
            }
        }
        for (reason, alerts) in ending {
            try await ender.end(alerts, reason: reason)
            logger.notice("alerts ended by the sweep", metadata: ["reason": "\(reason.rawValue)", "alerts": "\(alerts.count)"])
        }
        return ending.values.reduce(0) { $0 + $1.count }
    }

    /// Why `alert` should end now, if it should: its rule is gone or disabled, or it is a threshold alert of a
    /// machine last seen before `silentBefore` (a machine this live view does not know is left alone).
    static func reason(
        toEnd alert: Fleetwatch_V1_Alert, rule: Fleetwatch_V1_Rule?, lastSeenMs: Int64?, silentBefore: Int64
    ) -> AlertEnd? {
        guard let rule else { return .ruleDeleted }
        guard rule.enabled else { return .ruleDisabled }
        if rule.noDataSeconds == 0, let lastSeenMs, lastSeenMs < silentBefore { return .machineSilent }
        return nil
    }
}
