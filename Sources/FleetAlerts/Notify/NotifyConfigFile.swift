import FleetCore
import FleetSettings
import Foundation
import Yams

/// Reads the notification configuration file (`--notify-config`), shaped like Alertmanager's: `route`,
/// `receivers`, `templates` and `inhibit_rules` (docs/alerts.md, "Notifications"; deploy/notify.example.yaml). Everything is
/// checked at start: any problem is a `NotifyConfigError` naming the file, the path in it and what is wrong.
public enum NotifyConfigFile {
    /// Reads and checks `path`.
    public static func load(path: String) throws(NotifyConfigError) -> NotifyConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw NotifyConfigError(file: path, path: "", problem: "cannot be read: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// Checks `text`, naming `file` in errors.
    public static func parse(_ text: String, file: String) throws(NotifyConfigError) -> NotifyConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw NotifyConfigError(file: file, path: "", problem: "not valid YAML: \(error)")
        }
        guard let root else { throw NotifyConfigError(file: file, path: "", problem: "is empty (it needs route and receivers)") }
        return try Reader(file: file).configuration(root)
    }
}

/// A problem in the notification configuration file.
public struct NotifyConfigError: Error, CustomStringConvertible, Sendable {
    public var file: String
    /// Where in the file: `route.routes[0].group_wait`; empty for the whole file.
    public var path: String
    public var problem: String
    /// 1-based, when known.
    public var line: Int?

    public init(file: String, path: String, problem: String, line: Int? = nil) {
        self.file = file
        self.path = path
        self.problem = problem
        self.line = line
    }

    public var description: String {
        let place = path.isEmpty ? "" : " \(path)" + (line.map { " (line \($0))" } ?? "")
        return "notify config \(file):\(place): \(problem)"
    }
}

/// Walks the YAML nodes, keeping the path for errors.
private struct Reader {
    let file: String

    func fail(_ path: String, _ node: Node?, _ problem: String) -> NotifyConfigError {
        NotifyConfigError(file: file, path: path, problem: problem, line: node?.mark?.line)
    }

    /// The mapping at `path` as (key, value) pairs, refusing keys outside `allowed`.
    func mapping(_ node: Node, _ path: String, allowed: [String]) throws(NotifyConfigError) -> [String: Node] {
        guard let mapping = node.mapping else { throw fail(path, node, "expected a mapping (key: value lines)") }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw fail(path, key, "keys must be text") }
            let at = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                throw fail(at, key, "unknown key '\(name)' (expected one of: \(allowed.joined(separator: ", ")))")
            }
            fields[name] = value
        }
        return fields
    }

    func string(_ node: Node, _ path: String) throws(NotifyConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw fail(path, node, "expected text") }
        return scalar.string
    }

    func sequence(_ node: Node, _ path: String) throws(NotifyConfigError) -> [Node] {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~" {
            return []
        }
        guard let sequence = node.sequence else { throw fail(path, node, "expected a list") }
        return Array(sequence)
    }

    func strings(_ node: Node, _ path: String) throws(NotifyConfigError) -> [String] {
        var values: [String] = []
        for (index, item) in try sequence(node, path).enumerated() { values.append(try string(item, "\(path)[\(index)]")) }
        return values
    }

    func configuration(_ root: Node) throws(NotifyConfigError) -> NotifyConfiguration {
        let top = try mapping(root, "", allowed: ["route", "receivers", "templates", "inhibit_rules"])
        guard let receiversNode = top["receivers"] else { throw fail("receivers", nil, "is required (a list of receivers)") }
        var receivers: [String: NotifyConfiguration.Receiver] = [:]
        for (index, node) in try sequence(receiversNode, "receivers").enumerated() {
            let receiver = try self.receiver(node, "receivers[\(index)]")
            guard receivers[receiver.name] == nil else {
                throw fail("receivers[\(index)].name", node, "receiver '\(receiver.name)' is defined twice")
            }
            receivers[receiver.name] = receiver
        }
        guard let routeNode = top["route"] else { throw fail("route", nil, "is required (the root route names a receiver)") }
        let spec = try route(routeNode, "route", isRoot: true)
        try checkReceivers(spec, "route", known: receivers)
        let templates = try top["templates"].map { (node) throws(NotifyConfigError) in try self.templates(node, "templates") }
        var inhibitRules: [InhibitRule] = []
        if let node = top["inhibit_rules"] {
            for (index, item) in try sequence(node, "inhibit_rules").enumerated() {
                inhibitRules.append(try inhibitRule(item, "inhibit_rules[\(index)]"))
            }
        }
        return NotifyConfiguration(
            route: NotificationRoute(root: spec), receivers: receivers, templates: templates ?? .defaults,
            inhibitRules: inhibitRules)
    }

    func inhibitRule(_ node: Node, _ path: String) throws(NotifyConfigError) -> InhibitRule {
        let fields = try mapping(node, path, allowed: ["source_matchers", "target_matchers", "equal"])
        let source = try matchers(fields["source_matchers"], "\(path).source_matchers", parent: node)
        let target = try matchers(fields["target_matchers"], "\(path).target_matchers", parent: node)
        var equal: [String] = []
        if let node = fields["equal"] {
            equal = try strings(node, "\(path).equal")
            for (index, name) in equal.enumerated() where name.isEmpty {
                throw fail("\(path).equal[\(index)]", node, "a label name cannot be empty")
            }
        }
        return InhibitRule(sourceMatchers: source, targetMatchers: target, equal: equal)
    }

    /// A required, non-empty list of matchers (`name=value`, `name!=value`, `name=~regex`, `name!~regex`).
    func matchers(_ node: Node?, _ path: String, parent: Node) throws(NotifyConfigError) -> [LabelMatcher] {
        guard let node else { throw fail(path, parent, "is required (a list of matchers such as severity=critical)") }
        let matchers = try matcherList(node, path)
        guard !matchers.isEmpty else { throw fail(path, node, "needs at least one matcher") }
        return matchers
    }

    /// A list of matchers, each error naming the item and its line.
    func matcherList(_ node: Node, _ path: String) throws(NotifyConfigError) -> [LabelMatcher] {
        var matchers: [LabelMatcher] = []
        for (index, item) in try sequence(node, path).enumerated() {
            let text = try string(item, "\(path)[\(index)]")
            do {
                matchers.append(try LabelMatcher(parsing: text))
            } catch {
                throw fail("\(path)[\(index)]", item, error.reason)
            }
        }
        return matchers
    }

    func checkReceivers(
        _ spec: NotificationRoute.Spec, _ path: String, known: [String: NotifyConfiguration.Receiver]
    ) throws(NotifyConfigError) {
        if let name = spec.receiver, known[name] == nil {
            throw fail(
                "\(path).receiver", nil,
                "unknown receiver '\(name)' (defined: \(known.keys.sorted().joined(separator: ", ")))")
        }
        for (index, child) in spec.routes.enumerated() {
            try checkReceivers(child, "\(path).routes[\(index)]", known: known)
        }
    }

    func route(_ node: Node, _ path: String, isRoot: Bool) throws(NotifyConfigError) -> NotificationRoute.Spec {
        var allowed = ["receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "routes"]
        if !isRoot { allowed += ["matchers", "continue"] }
        let fields = try mapping(node, path, allowed: allowed)
        var spec = NotificationRoute.Spec()
        if let receiver = fields["receiver"] {
            spec.receiver = try string(receiver, "\(path).receiver")
        } else if isRoot {
            throw fail("\(path).receiver", node, "is required on the root route (where unmatched alerts go)")
        }
        if let node = fields["group_by"] {
            let names = try strings(node, "\(path).group_by")
            if names.contains("...") {
                guard names.count == 1 else { throw fail("\(path).group_by", node, "'...' (every label) stands alone") }
                spec.groupBy = .all
            } else {
                for (index, name) in names.enumerated() where name.isEmpty {
                    throw fail("\(path).group_by[\(index)]", node, "a label name cannot be empty")
                }
                spec.groupBy = .labels(names)
            }
        }
        spec.groupWait = try fields["group_wait"].map { (node) throws(NotifyConfigError) in
            try duration(node, "\(path).group_wait", minimum: .zero)
        }
        spec.groupInterval = try fields["group_interval"].map { (node) throws(NotifyConfigError) in
            try duration(node, "\(path).group_interval", minimum: NotificationRoute.minimumGroupInterval)
        }
        spec.repeatInterval = try fields["repeat_interval"].map { (node) throws(NotifyConfigError) in
            try duration(node, "\(path).repeat_interval", minimum: NotificationRoute.minimumGroupInterval)
        }
        if let node = fields["matchers"] {
            spec.matchers = try matcherList(node, "\(path).matchers")
        }
        if let node = fields["continue"] {
            guard let flag = node.bool else { throw fail("\(path).continue", node, "expected true or false") }
            spec.continues = flag
        }
        if let node = fields["routes"] {
            for (index, child) in try sequence(node, "\(path).routes").enumerated() {
                spec.routes.append(try route(child, "\(path).routes[\(index)]", isRoot: false))
            }
        }
        return spec
    }

    func duration(_ node: Node, _ path: String, minimum: Duration) throws(NotifyConfigError) -> Duration {
        let text = try string(node, path)
        guard let value = DurationText.parse(text, requiringUnit: true) else {
            throw fail(path, node, "expected a duration with a unit (500ms, 30s, 5m, 4h, 1d), got '\(text)'")
        }
        guard value >= minimum else {
            throw fail(path, node, "must be at least \(DurationText.format(minimum)), got '\(text)'")
        }
        return value
    }

    func receiver(_ node: Node, _ path: String) throws(NotifyConfigError) -> NotifyConfiguration.Receiver {
        let fields = try mapping(node, path, allowed: ["name", "webhooks", "slack", "email", "templates"])
        guard let nameNode = fields["name"] else { throw fail("\(path).name", node, "is required") }
        let name = try string(nameNode, "\(path).name")
        guard !name.isEmpty else { throw fail("\(path).name", nameNode, "cannot be empty") }
        var receiver = NotifyConfiguration.Receiver(name: name)
        if let list = fields["webhooks"] {
            for (index, item) in try sequence(list, "\(path).webhooks").enumerated() {
                let at = "\(path).webhooks[\(index)]"
                let entry = try mapping(item, at, allowed: ["url"])
                receiver.webhooks.append(try url(entry["url"], "\(at).url", parent: item))
            }
        }
        if let list = fields["slack"] {
            for (index, item) in try sequence(list, "\(path).slack").enumerated() {
                let at = "\(path).slack[\(index)]"
                let entry = try mapping(item, at, allowed: ["url", "channel"])
                let channel = try entry["channel"].map { (node) throws(NotifyConfigError) in try string(node, "\(at).channel") }
                receiver.slack.append(.init(url: try url(entry["url"], "\(at).url", parent: item), channel: channel))
            }
        }
        if let list = fields["email"] {
            for (index, item) in try sequence(list, "\(path).email").enumerated() {
                receiver.email.append(try email(item, "\(path).email[\(index)]"))
            }
        }
        if let node = fields["templates"] { receiver.templates = try templates(node, "\(path).templates") }
        return receiver
    }

    func url(_ node: Node?, _ path: String, parent: Node) throws(NotifyConfigError) -> URL {
        guard let node else { throw fail(path, parent, "is required") }
        let text = try string(node, path)
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw fail(path, node, "expected an http(s) URL, got '\(text)'")
        }
        return url
    }

    func email(_ node: Node, _ path: String) throws(NotifyConfigError) -> NotifyConfiguration.EmailTarget {
        let fields = try mapping(node, path, allowed: ["to", "from", "smarthost"])
        guard let toNode = fields["to"] else { throw fail("\(path).to", node, "is required (one address or a list)") }
        let to: [String]
        if toNode.sequence != nil {
            to = try strings(toNode, "\(path).to")
        } else {
            to = try string(toNode, "\(path).to").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard !to.isEmpty else { throw fail("\(path).to", toNode, "needs at least one address") }
        for address in to { try mailbox(address, "\(path).to", toNode) }
        guard let fromNode = fields["from"] else { throw fail("\(path).from", node, "is required") }
        let from = try string(fromNode, "\(path).from")
        try mailbox(from, "\(path).from", fromNode)
        guard let hostNode = fields["smarthost"] else {
            throw fail("\(path).smarthost", node, "is required (host:port of an SMTP server)")
        }
        let smarthost = try string(hostNode, "\(path).smarthost")
        // The one `host:port` reading (HostPort.split): `[::1]:25` connects to ::1.
        guard let parts = try? HostPort.split(Substring(smarthost)), !parts.host.isEmpty,
            let port = parts.port.flatMap({ HostPort.port($0) })
        else {
            throw fail("\(path).smarthost", hostNode, "expected host:port, got '\(smarthost)'")
        }
        return .init(to: to, from: from, host: String(parts.host), port: port)
    }

    /// A plain address (`ops@example.com`): what SMTP's MAIL FROM and RCPT TO carry.
    func mailbox(_ address: String, _ path: String, _ node: Node) throws(NotifyConfigError) {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0.isNewline })
        else {
            throw fail(path, node, "expected an address like ops@example.com, got '\(address)'")
        }
    }

    func templates(_ node: Node, _ path: String) throws(NotifyConfigError) -> NotificationTemplates {
        let fields = try mapping(node, path, allowed: ["title", "body"])
        let title = try fields["title"].map { (node) throws(NotifyConfigError) in try string(node, "\(path).title") }
        let body = try fields["body"].map { (node) throws(NotifyConfigError) in try string(node, "\(path).body") }
        do {
            return try NotificationTemplates(title: title, body: body)
        } catch {
            throw fail("\(path).\(error.field)", fields[error.field], error.problem)
        }
    }
}
