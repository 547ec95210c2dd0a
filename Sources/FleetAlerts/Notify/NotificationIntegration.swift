import FleetCore

/// One destination of a receiver (a webhook URL, a Slack-compatible webhook, a list of e-mail recipients on one
/// smarthost) that delivers rendered notifications. Throws when a delivery did not happen, saying why.
public protocol NotificationIntegration: Sendable {
    /// `webhook`, `slack` or `email`: the `kind` label of the notification metrics.
    var kind: String { get }
    /// Names the destination in logs and dead-letter reasons (a URL, `smtp://host:port`).
    var target: String { get }
    func deliver(_ message: RenderedNotification) async throws
}

/// A notification with its title and body rendered for its receiver.
public struct RenderedNotification: Sendable {
    public var notification: AlertNotification
    public var title: String
    public var body: String

    public init(notification: AlertNotification, title: String, body: String) {
        self.notification = notification
        self.title = title
        self.body = body
    }
}

/// Why a delivery failed, in a few words (`HTTP 503`, `SMTP 550 after RCPT TO: no such user`).
public struct DeliveryFailure: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
