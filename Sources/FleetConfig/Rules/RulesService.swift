import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Foundation
import GRPCCore
import Logging
import ServiceLifecycle

/// fleetwatch.v1.Rules: rule CRUD in the store with optimistic concurrency; writes (which `AdminTokenInterceptor`
/// admits only with the admin token) are announced as rules.changed on fleet.events (after the store committed), which evaluators apply live.
/// Deleting or disabling a rule ends its open alerts at once (`AlertEnder`: "rule deleted", "rule disabled").
public struct RulesService: Fleetwatch_V1_Rules.SimpleServiceProtocol {
    let store: any RuleStore
    let bus: any MessageBus
    let changes: RuleChanges
    let ender: AlertEnder
    let logger: Logger
    let now: @Sendable () -> Int64

    public init(
        store: any RuleStore, bus: any MessageBus, changes: RuleChanges, ender: AlertEnder, logger: Logger,
        now: @escaping @Sendable () -> Int64
    ) {
        self.ender = ender
        self.store = store
        self.bus = bus
        self.changes = changes
        self.logger = logger
        self.now = now
    }

    public func create(request: Fleetwatch_V1_CreateRuleRequest, context: ServerContext) async throws -> Fleetwatch_V1_Rule {
        var rule = request.rule
        rule.id = UUID().uuidString.lowercased()
        rule.version = 1
        rule.enabled = true
        rule.createdMs = now()
        rule.updatedMs = rule.createdMs
        if rule.severity == .unspecified { rule.severity = .warning }
        try validate(rule)
        try await storeCall { try await store.createRule(rule) }
        await announce(.created, rule)
        return rule
    }

    public func get(request: Fleetwatch_V1_GetRuleRequest, context: ServerContext) async throws -> Fleetwatch_V1_Rule {
        guard let rule = try await storeCall({ try await store.rule(id: request.id) }) else {
            throw RPCError(code: .notFound, message: "no rule '\(request.id)'")
        }
        return rule
    }

    public func list(request: Fleetwatch_V1_ListRulesRequest, context: ServerContext) async throws
        -> Fleetwatch_V1_ListRulesResponse
    {
        .with { $0.rules = [] }.merging(try await storeCall { try await store.rules() })
    }

    public func update(request: Fleetwatch_V1_UpdateRuleRequest, context: ServerContext) async throws -> Fleetwatch_V1_Rule {
        var rule = request.rule
        guard !rule.id.isEmpty else { throw RPCError(code: .invalidArgument, message: "id: is required") }
        guard rule.version > 0 else {
            throw RPCError(code: .invalidArgument, message: "version: is required (the version you read)")
        }
        let expected = rule.version
        guard let current = try await storeCall({ try await store.rule(id: rule.id) }) else {
            throw RPCError(code: .notFound, message: "no rule '\(rule.id)'")
        }
        rule.version = expected + 1
        rule.createdMs = current.createdMs
        rule.updatedMs = now()
        if rule.severity == .unspecified { rule.severity = .warning }
        try validate(rule)
        try await storeCall { try await store.updateRule(rule, expectedVersion: expected) }
        await announce(.updated, rule)
        if current.enabled && !rule.enabled { await endAlerts(of: rule.id, .ruleDisabled) }
        return rule
    }

    public func delete(request: Fleetwatch_V1_DeleteRuleRequest, context: ServerContext) async throws
        -> Fleetwatch_V1_DeleteRuleResponse
    {
        let deleted = try await storeCall { try await store.deleteRule(id: request.id, expectedVersion: request.version) }
        await announce(.deleted, deleted)
        await endAlerts(of: deleted.id, .ruleDeleted)
        return .init()
    }

    /// Ends the rule's open alerts after the change committed and was announced (evaluators stop producing new
    /// ones); a failure is logged, not returned: the change stands, and `AlertSweeper` ends them later.
    private func endAlerts(of rule: String, _ reason: AlertEnd) async {
        do {
            try await ender.end(rule: rule, reason: reason)
        } catch {
            logger.warning(
                "ending the rule's open alerts failed; the periodic sweep will end them",
                metadata: ["rule": "\(rule)", "reason": "\(reason.rawValue)", "error": "\(error)"])
        }
    }

    public func watchRules(
        request: Fleetwatch_V1_WatchRulesRequest, response: RPCWriter<Fleetwatch_V1_RuleChange>, context: ServerContext
    ) async throws {
        // Subscribe first, so no change between the listing and the stream is missed. The stream ends (OK) when
        // the process stops, so a watcher never holds up a graceful shutdown.
        do {
            try await cancelWhenGracefulShutdown {
                try await changes.follow { stream in
                    for rule in try await storeCall({ try await store.rules() }) {
                        try await response.write(.with {
                            $0.kind = .created
                            $0.rule = rule
                        })
                    }
                    for await change in stream {
                        try Task.checkCancellation()
                        try await response.write(change)
                    }
                }
            }
        } catch is CancellationError {
            // Client gone or the process stopping.
        }
    }

    private func validate(_ rule: Fleetwatch_V1_Rule) throws {
        do {
            _ = try RuleMapping.alertRule(rule)
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
    }

    private func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            switch error {
            case .conflict(let why): throw RPCError(code: .failedPrecondition, message: why)
            case .notFound(let why): throw RPCError(code: .notFound, message: why)
            default: throw RPCError(code: .unavailable, message: "the rule store is not answering: \(error)")
            }
        }
    }

    /// Publishes rules.changed; the store is the truth, so a failed publish is logged, not returned (evaluators
    /// also reload every rule periodically).
    private func announce(_ kind: Fleetwatch_V1_RuleChange.Kind, _ rule: Fleetwatch_V1_Rule) async {
        let change = Fleetwatch_V1_RuleChange.with {
            $0.kind = kind
            $0.rule = rule
        }
        do {
            try await bus.publish([
                OutgoingMessage(
                    exchange: FleetExchange.events, routingKey: "rules.changed", body: try change.serializedBytes(),
                    type: MessageType.ruleChange)
            ])
        } catch {
            logger.warning("rules.changed not published; evaluators pick the change up on their next reload",
                           metadata: ["rule": "\(rule.id)", "error": "\(error)"])
        }
    }
}

extension Fleetwatch_V1_ListRulesResponse {
    fileprivate func merging(_ rules: [Fleetwatch_V1_Rule]) -> Self {
        var copy = self
        copy.rules = rules
        return copy
    }
}
