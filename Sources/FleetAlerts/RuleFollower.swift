import FleetBus
import FleetCore
import FleetProto
import FleetStore
import Logging

/// Keeps a `RuleBook` current: loads every rule from the store at start and every `refresh`, and applies
/// rules.changed events from fleet.events (this instance's own exclusive queue) as they come, so an edit takes
/// effect within a moment, without a restart. Retired machines arrive on the same queue and go to `onRetired`.
public struct RuleFollower: Sendable {
    let bus: any MessageBus
    let store: any RuleStore
    let book: RuleBook
    let instance: String
    let logger: Logger
    let refresh: Duration
    let onRetired: @Sendable (Fleetwatch_V1_MachineRetired) -> Void

    public init(
        bus: any MessageBus, store: any RuleStore, book: RuleBook, instance: String, logger: Logger,
        refresh: Duration = .seconds(30), onRetired: @escaping @Sendable (Fleetwatch_V1_MachineRetired) -> Void = { _ in }
    ) {
        self.onRetired = onRetired
        self.bus = bus
        self.store = store
        self.book = book
        self.instance = instance
        self.logger = logger
        self.refresh = refresh
    }

    /// Loads the rules once (throws when the store cannot answer).
    public func load() async throws {
        book.replaceAll(try await store.rules())
        logger.info("rules loaded", metadata: ["rules": "\(book.count)"])
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: refresh)
                    do { book.replaceAll(try await store.rules()) } catch {
                        logger.warning("reloading rules failed; keeping the current ones", metadata: ["error": "\(error)"])
                    }
                }
            }
            group.addTask {
                try await bus.declare(.ruleChanges(instance: instance))
                let consumer = try await bus.consume(queue: FleetQueue.ruleChanges(instance), prefetch: 100)
                defer { Task { await consumer.close() } }
                while !Task.isCancelled {
                    let deliveries = try await consumer.nextBatch(max: 100, window: .zero)
                    if deliveries.isEmpty { return }
                    for delivery in deliveries {
                        if delivery.type == MessageType.machineRetired {
                            if let retired = try? Fleetwatch_V1_MachineRetired(serializedBytes: delivery.body) { onRetired(retired) }
                            continue
                        }
                        guard delivery.type == MessageType.ruleChange,
                            let change = try? Fleetwatch_V1_RuleChange(serializedBytes: delivery.body)
                        else { continue }
                        book.apply(change)
                        logger.info(
                            "rule change applied",
                            metadata: ["rule": "\(change.rule.id)", "kind": "\(change.kind)", "version": "\(change.rule.version)"])
                    }
                    try await consumer.ack(deliveries)
                }
            }
            try await group.waitForAll()
        }
    }
}
