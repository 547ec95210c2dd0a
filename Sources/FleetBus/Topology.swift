/// Exchanges, queues and bindings, as data. `Topology.fleet` is the contract of DESIGN.md;
/// broker/definitions.json holds the same for import in the RabbitMQ UI.
public struct Topology: Sendable, Equatable {
    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]

    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    /// The union of two topologies; what both declare appears once.
    public static func + (lhs: Topology, rhs: Topology) -> Topology {
        func union<T: Equatable>(_ a: [T], _ b: [T]) -> [T] { a + b.filter { !a.contains($0) } }
        return Topology(
            exchanges: union(lhs.exchanges, rhs.exchanges), queues: union(lhs.queues, rhs.queues),
            bindings: union(lhs.bindings, rhs.bindings))
    }

    public struct Exchange: Sendable, Equatable {
        public enum Kind: String, Sendable { case topic, direct, fanout, consistentHash = "x-consistent-hash" }
        public var name: String
        public var kind: Kind
        public var durable: Bool = true

        public init(name: String, kind: Kind, durable: Bool = true) {
            self.name = name
            self.kind = kind
            self.durable = durable
        }
    }

    public struct Queue: Sendable, Equatable {
        public var name: String
        public var durable: Bool
        public var exclusive: Bool
        public var autoDelete: Bool
        public var arguments: [String: Argument]

        public init(
            name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
            arguments: [String: Argument] = [:]
        ) {
            self.name = name
            self.durable = durable
            self.exclusive = exclusive
            self.autoDelete = autoDelete
            self.arguments = arguments
        }
    }

    public enum Argument: Sendable, Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)
    }

    /// Routes messages from `exchange` to a queue, or to another exchange (`toExchange`).
    public struct Binding: Sendable, Equatable {
        public var exchange: String
        /// The destination: a queue, or an exchange when `toExchange`.
        public var queue: String
        public var routingKey: String
        public var toExchange: Bool

        public init(exchange: String, queue: String, routingKey: String) {
            self.exchange = exchange
            self.queue = queue
            self.routingKey = routingKey
            self.toExchange = false
        }

        /// An exchange-to-exchange binding: what `source` routes with `routingKey` also enters `destination`.
        public static func exchange(_ source: String, to destination: String, routingKey: String) -> Binding {
            var binding = Binding(exchange: source, queue: destination, routingKey: routingKey)
            binding.toExchange = true
            return binding
        }
    }
}

/// The names every process relies on.
public enum FleetExchange {
    public static let raw = "fleet.raw"
    public static let metrics = "fleet.metrics"
    public static let events = "fleet.events"
    public static let deadLetter = "fleet.dlx"
    /// Consistent-hash exchange fed by fleet.metrics: spreads machines over the alert partitions.
    public static let alert = "fleet.alert"
}

public enum FleetQueue {
    public static let normalize = "fleet.normalize"
    public static let persist = "fleet.persist"
    public static func deadLetter(of queue: String) -> String { queue + ".dlq" }
    /// The live feed of one gateway (or other live reader) instance.
    public static func fanout(_ instance: String) -> String { "fleet.fanout." + instance }
    /// Alert partition `index` (0-based).
    public static func alertPartition(_ index: Int) -> String { "fleet.alert.p\(index)" }
    /// Webhook notifications of alert events.
    public static let notify = "fleet.notify"
    /// Rule changes for one evaluator instance.
    public static func ruleChanges(_ instance: String) -> String { "fleet.rules." + instance }
    /// An alert evaluator's heartbeats of its peers.
    public static func evaluatorMembers(_ instance: String) -> String { "fleet.members." + instance }
}

extension Topology {
    /// How many times a durable queue delivers a message before dead-lettering it.
    public static let deliveryLimit = 5

    /// A quorum queue with a delivery limit that dead-letters to `fleet.dlx` → `<name>.dlq`.
    public static func durableQueue(_ name: String, extra: [String: Argument] = [:]) -> Topology {
        var arguments: [String: Argument] = [
            "x-queue-type": .string("quorum"),
            "x-delivery-limit": .int(deliveryLimit),
            "x-dead-letter-exchange": .string(FleetExchange.deadLetter),
            "x-dead-letter-routing-key": .string(name),
        ]
        arguments.merge(extra) { _, new in new }
        let dlq = FleetQueue.deadLetter(of: name)
        return Topology(
            queues: [
                Queue(name: name, arguments: arguments),
                Queue(name: dlq, arguments: ["x-queue-type": .string("quorum")]),
            ],
            bindings: [Binding(exchange: FleetExchange.deadLetter, queue: dlq, routingKey: name)]
        )
    }

    /// The exchanges of the pipeline.
    public static let exchanges = Topology(exchanges: [
        Exchange(name: FleetExchange.raw, kind: .topic),
        Exchange(name: FleetExchange.metrics, kind: .topic),
        Exchange(name: FleetExchange.events, kind: .topic),
        Exchange(name: FleetExchange.deadLetter, kind: .direct),
    ])

    /// fleet.raw → fleet.normalize.
    public static let normalize =
        exchanges + durableQueue(FleetQueue.normalize)
        + Topology(bindings: [Binding(exchange: FleetExchange.raw, queue: FleetQueue.normalize, routingKey: "raw.#")])

    /// fleet.metrics → fleet.persist.
    public static let persist =
        exchanges + durableQueue(FleetQueue.persist)
        + Topology(bindings: [
            Binding(exchange: FleetExchange.metrics, queue: FleetQueue.persist, routingKey: "metrics.#")
        ])

    /// How long live data waits in a fanout queue, and how much of it: a reader that falls behind loses the
    /// oldest messages (the broker drops the head), because a newer value replaces them anyway.
    public static let fanoutMessageTTL = Duration.seconds(10)
    public static let fanoutMaxLength = 10_000
    /// The same bound in bytes: a message is a bundle of many machines' batches, so its count alone bounds nothing.
    public static let fanoutMaxBytes = 32 << 20

    /// fleet.metrics + fleet.events → fleet.fanout.<instance>: exclusive to the connection that reads it
    /// (it disappears with its reader), perishable (TTL, max length with drop-oldest), not replicated.
    public static func fanout(instance: String) -> Topology {
        let name = FleetQueue.fanout(instance)
        return exchanges
            + Topology(
                queues: [
                    Queue(
                        name: name, durable: false, exclusive: true, autoDelete: true,
                        arguments: [
                            "x-message-ttl": .int(Int(fanoutMessageTTL.components.seconds) * 1000),
                            "x-max-length": .int(fanoutMaxLength),
                            "x-max-length-bytes": .int(fanoutMaxBytes),
                            "x-overflow": .string("drop-head"),
                        ])
                ],
                bindings: [
                    Binding(exchange: FleetExchange.metrics, queue: name, routingKey: "metrics.#"),
                    Binding(exchange: FleetExchange.events, queue: name, routingKey: "#"),
                ])
    }

    /// fleet.metrics → fleet.alert (consistent hash on metrics.<machine>.samples) → fleet.alert.p0…pN-1, each a
    /// quorum queue with single-active-consumer: any number of evaluator replicas share the partitions, one
    /// active per partition, and a dead replica's partitions move to another within seconds.
    public static func alerts(partitions: Int) -> Topology {
        var topology =
            exchanges
            + Topology(
                exchanges: [Exchange(name: FleetExchange.alert, kind: .consistentHash)],
                bindings: [.exchange(FleetExchange.metrics, to: FleetExchange.alert, routingKey: "metrics.*.samples")])
        for index in 0..<max(1, partitions) {
            let queue = FleetQueue.alertPartition(index)
            topology = topology + durableQueue(queue, extra: ["x-single-active-consumer": .bool(true)])
                + Topology(bindings: [Binding(exchange: FleetExchange.alert, queue: queue, routingKey: "1")])
        }
        return topology
    }

    /// fleet.events alerts.# → fleet.notify (webhooks), with its DLQ for notifications that keep failing.
    public static let notify =
        exchanges + durableQueue(FleetQueue.notify)
        + Topology(bindings: [Binding(exchange: FleetExchange.events, queue: FleetQueue.notify, routingKey: "alerts.#")])

    /// fleet.events rules.# and machines.*.retired → this evaluator's own queue (exclusive: it goes with the
    /// evaluator): rule changes, and retired machines to forget.
    public static func ruleChanges(instance: String) -> Topology {
        ownEventsQueue(FleetQueue.ruleChanges(instance), routingKeys: "rules.#", "machines.*.retired")
    }

    /// fleet.events evaluators.# → this evaluator's own queue of heartbeats (exclusive: it goes with the evaluator).
    public static func evaluatorMembers(instance: String) -> Topology {
        ownEventsQueue(FleetQueue.evaluatorMembers(instance), routingKeys: "evaluators.#")
    }

    /// A process's own queue of some fleet.events: exclusive and auto-delete, so it lives and dies with the process.
    private static func ownEventsQueue(_ name: String, routingKeys: String...) -> Topology {
        exchanges
            + Topology(
                queues: [Queue(name: name, durable: false, exclusive: true, autoDelete: true)],
                bindings: routingKeys.map { Binding(exchange: FleetExchange.events, queue: name, routingKey: $0) })
    }

    /// Everything the pipeline of issue 3 uses.
    public static let pipeline = normalize + persist
}
