import FleetCore
import Foundation

/// Where notifications go and how they read: the routing tree, the receivers it names, the templates, and the
/// inhibition rules. Read
/// from the file `--notify-config` names (`NotifyConfigFile`), or made from `--webhook-urls` (`webhooks(_:)`).
public struct NotifyConfiguration: Sendable {
    public var route: NotificationRoute
    /// By name; every receiver a route names is here.
    public var receivers: [String: Receiver]
    /// The templates of receivers that set none of their own.
    public var templates: NotificationTemplates
    /// While a firing alert matches a rule's source side, alerts matching its target side are not notified.
    public var inhibitRules: [InhibitRule]

    /// A named destination: any number of webhooks, Slack-compatible incoming webhooks and e-mail addresses, all
    /// of which get each notification routed to it.
    public struct Receiver: Sendable {
        public var name: String
        public var webhooks: [URL] = []
        public var slack: [SlackTarget] = []
        public var email: [EmailTarget] = []
        /// Overrides the global templates for this receiver.
        public var templates: NotificationTemplates?

        public init(name: String) {
            self.name = name
        }
    }

    /// A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat).
    public struct SlackTarget: Sendable, Equatable {
        public var url: URL
        /// Overrides the channel the webhook posts to, where the service allows it.
        public var channel: String?

        public init(url: URL, channel: String? = nil) {
            self.url = url
            self.channel = channel
        }
    }

    /// Mail sent over plain SMTP (no AUTH, no STARTTLS: a local relay or an internal smarthost).
    public struct EmailTarget: Sendable, Equatable {
        public var to: [String]
        public var from: String
        public var host: String
        public var port: Int

        public init(to: [String], from: String, host: String, port: Int) {
            self.to = to
            self.from = from
            self.host = host
            self.port = port
        }
    }

    public init(
        route: NotificationRoute, receivers: [String: Receiver], templates: NotificationTemplates,
        inhibitRules: [InhibitRule] = []
    ) {
        self.route = route
        self.receivers = receivers
        self.templates = templates
        self.inhibitRules = inhibitRules
    }

    /// The shorthand `--webhook-urls`: one root route to one receiver, `webhook`, posting to every URL; each alert
    /// is its own group, told at once (group_wait 0) and its resolution within a second, never repeated (the
    /// behaviour before routing existed). Nil without URLs: nothing is notified.
    public static func webhooks(_ urls: [URL]) -> NotifyConfiguration? {
        guard !urls.isEmpty else { return nil }
        var receiver = Receiver(name: "webhook")
        receiver.webhooks = urls
        let route = NotificationRoute(
            root: .init(
                receiver: "webhook", groupBy: .all, groupWait: .zero, groupInterval: .seconds(1),
                repeatInterval: .seconds(365 * 86_400)))
        return NotifyConfiguration(route: route, receivers: ["webhook": receiver], templates: .defaults)
    }

    /// Nothing is notified: one receiver without destinations takes every alert, so transitions are acked as they
    /// come and fleet.notify never fills up (`fleetwatch alert` without a notify config or webhook URLs).
    public static let discarding = NotifyConfiguration(
        route: NotificationRoute(root: .init(receiver: "none", groupBy: .all, groupWait: .zero, groupInterval: .seconds(1))),
        receivers: ["none": Receiver(name: "none")], templates: .defaults)

    /// The templates a receiver's notifications are rendered with.
    public func templates(of receiver: String) -> NotificationTemplates {
        receivers[receiver]?.templates ?? templates
    }
}
