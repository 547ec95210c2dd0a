import FleetCore
import Foundation

/// Mails notifications over SMTP: the title is the subject, the body the text.
public struct EmailIntegration: NotificationIntegration {
    public let email: NotifyConfiguration.EmailTarget
    let client: SMTPClient

    public init(email: NotifyConfiguration.EmailTarget, timeout: Duration) {
        self.email = email
        client = SMTPClient(host: email.host, port: email.port, timeout: timeout)
    }

    public var kind: String { "email" }
    public var target: String { "smtp://\(email.host):\(email.port) to \(email.to.joined(separator: ","))" }

    public func deliver(_ message: RenderedNotification) async throws {
        let text = MailMessage.format(
            from: email.from, to: email.to, subject: message.title, body: message.body, date: Date(),
            messageID: "\(UUID().uuidString.lowercased())@fleetwatch")
        try await client.send(from: email.from, to: email.to, message: text)
    }
}
