/// Which node of an `AMQPURLList` a connection uses, and which it tries next: the current one until it refuses
/// or dies, then the following one, wrapping around. Connections of one bus start at different nodes
/// (`start`), so a cluster's nodes share them and losing one node moves only its share. Pure state.
struct AMQPNodeRotation: Sendable, Equatable {
    let nodes: AMQPURLList
    /// Index of the current node in `nodes.urls`.
    private(set) var index: Int

    /// Starts at node `start` modulo the node count (any integer, e.g. a connection counter).
    init(nodes: AMQPURLList, start: Int = 0) {
        self.nodes = nodes
        let count = nodes.urls.count
        index = ((start % count) + count) % count
    }

    /// The node to connect to now.
    var current: AMQPURL { nodes.urls[index] }

    /// How many nodes there are.
    var count: Int { nodes.urls.count }

    /// "node 2 of 3" (1-based), or nothing for a single node: for logs.
    var position: String { count == 1 ? "" : " (node \(index + 1) of \(count))" }

    /// Moves to the next node, wrapping around; a single node stays current.
    mutating func advance() {
        index = (index + 1) % count
    }
}
