import AsyncHTTPClient
import FleetCore
import Foundation

/// Posts notifications to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat):
/// `{"text": "*<title>*\n<body>"}`, with `channel` when one is configured.
public struct SlackIntegration: NotificationIntegration {
    public let url: URL
    public let channel: String?
    let post: HTTPPost

    public init(url: URL, channel: String?, httpClient: HTTPClient, timeout: Duration) {
        self.url = url
        self.channel = channel
        post = HTTPPost(client: httpClient, timeout: timeout)
    }

    public var kind: String { "slack" }
    public var target: String { url.absoluteString }

    public func deliver(_ message: RenderedNotification) async throws {
        try await post.json(try payload(message), to: url)
    }

    func payload(_ message: RenderedNotification) throws -> Data {
        var object: [String: Any] = ["text": message.body.isEmpty ? "*\(message.title)*" : "*\(message.title)*\n\(message.body)"]
        if let channel { object["channel"] = channel }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
