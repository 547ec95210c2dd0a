/// A node of the notification routing tree, as in Alertmanager: an alert whose labels satisfy the node's matchers
/// goes to the first matching child (and on to the next ones while a matching child says `continue`), or to the
/// node itself when no child matches. Children inherit every field they leave unset; the root matches everything.
///
/// Built from a `NotificationRoute.Spec` (what a configuration file says) with every inherited field resolved.
public struct NotificationRoute: Sendable, Equatable {
    /// Which labels make alerts of one route one group.
    public enum Grouping: Sendable, Equatable {
        /// One group per combination of these labels' values (an empty list: one group for the whole route).
        case labels([String])
        /// Every label: each alert is its own group (`group_by: ['...']`).
        case all
    }

    /// A route as written, with the fields it leaves to its parent unset.
    public struct Spec: Sendable, Equatable {
        public var matchers: [LabelMatcher]
        public var receiver: String?
        public var groupBy: Grouping?
        public var groupWait: Duration?
        public var groupInterval: Duration?
        public var repeatInterval: Duration?
        /// Whether matching goes on with the next sibling after this route matched.
        public var continues: Bool
        public var routes: [Spec]

        public init(
            matchers: [LabelMatcher] = [], receiver: String? = nil, groupBy: Grouping? = nil,
            groupWait: Duration? = nil, groupInterval: Duration? = nil, repeatInterval: Duration? = nil,
            continues: Bool = false, routes: [Spec] = []
        ) {
            self.matchers = matchers
            self.receiver = receiver
            self.groupBy = groupBy
            self.groupWait = groupWait
            self.groupInterval = groupInterval
            self.repeatInterval = repeatInterval
            self.continues = continues
            self.routes = routes
        }
    }

    /// Alertmanager's defaults for what the root leaves unset.
    public static let defaultGroupWait: Duration = .seconds(30)
    public static let defaultGroupInterval: Duration = .seconds(300)
    public static let defaultRepeatInterval: Duration = .seconds(4 * 3600)
    /// The shortest group interval: a flush cadence below it would only spin.
    public static let minimumGroupInterval: Duration = .milliseconds(100)

    /// Names the route in group keys and logs: `root`, `root/0`, `root/0/2` (the path of child indices).
    public let id: String
    public let matchers: [LabelMatcher]
    public let receiver: String
    public let grouping: Grouping
    public let groupWait: Duration
    public let groupInterval: Duration
    public let repeatInterval: Duration
    public let continues: Bool
    public let routes: [NotificationRoute]

    /// The tree of `root`. The root matches everything (its matchers and `continue` are ignored); `receiver` is
    /// used where the root names none.
    public init(root: Spec, defaultReceiver: String = "default") {
        var top = root
        top.matchers = []
        top.continues = false
        self.init(
            spec: top, id: "root", receiver: root.receiver ?? defaultReceiver, grouping: .labels([]),
            groupWait: Self.defaultGroupWait, groupInterval: Self.defaultGroupInterval,
            repeatInterval: Self.defaultRepeatInterval)
    }

    private init(
        spec: Spec, id: String, receiver: String, grouping: Grouping, groupWait: Duration, groupInterval: Duration,
        repeatInterval: Duration
    ) {
        self.id = id
        matchers = spec.matchers
        self.receiver = spec.receiver ?? receiver
        self.grouping = spec.groupBy ?? grouping
        self.groupWait = max(.zero, spec.groupWait ?? groupWait)
        self.groupInterval = max(Self.minimumGroupInterval, spec.groupInterval ?? groupInterval)
        self.repeatInterval = max(Self.minimumGroupInterval, spec.repeatInterval ?? repeatInterval)
        continues = spec.continues
        var children: [NotificationRoute] = []
        for (index, child) in spec.routes.enumerated() {
            children.append(
                NotificationRoute(
                    spec: child, id: "\(id)/\(index)", receiver: self.receiver, grouping: self.grouping,
                    groupWait: self.groupWait, groupInterval: self.groupInterval, repeatInterval: self.repeatInterval))
        }
        routes = children
    }

    /// The routes an alert with `labels` goes to, depth first, in the order of the tree; never empty for the root.
    public func matchingRoutes(_ labels: [String: String]) -> [NotificationRoute] {
        guard matchers.matchAll(labels) else { return [] }
        var found: [NotificationRoute] = []
        for child in routes {
            let matched = child.matchingRoutes(labels)
            found += matched
            if !matched.isEmpty && !child.continues { break }
        }
        return found.isEmpty ? [self] : found
    }

    /// The labels that make `labels` part of one group of this route.
    public func groupLabels(of labels: [String: String]) -> [String: String] {
        switch grouping {
        case .all: return labels
        case .labels(let names):
            var picked: [String: String] = [:]
            for name in names { picked[name] = labels[name] ?? "" }
            return picked
        }
    }

    /// Every route of the tree, this one first.
    public var allRoutes: [NotificationRoute] { [self] + routes.flatMap(\.allRoutes) }
}
