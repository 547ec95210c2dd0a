import AsyncHTTPClient
import FleetCore
import Foundation

/// Posts notifications as JSON to a URL (docs/alerts.md, "Webhook payload"): the group (receiver, status, group
/// and common labels), the rendered title and body, and every alert with the fields single-alert webhooks had.
public struct WebhookIntegration: NotificationIntegration {
    public let url: URL
    let post: HTTPPost

    public init(url: URL, httpClient: HTTPClient, timeout: Duration) {
        self.url = url
        post = HTTPPost(client: httpClient, timeout: timeout)
    }

    public var kind: String { "webhook" }
    public var target: String { url.absoluteString }

    public func deliver(_ message: RenderedNotification) async throws {
        try await post.json(try Self.payload(message), to: url)
    }

    /// Format version of the payload, `version` in it.
    public static let version = "2"

    public static func payload(_ message: RenderedNotification) throws -> Data {
        let notification = message.notification
        let object: [String: Any] = [
            "version": version,
            "receiver": notification.receiver,
            "status": notification.status.rawValue,
            "group_key": notification.groupKey,
            "group_labels": notification.groupLabels,
            "common_labels": notification.commonLabels,
            "title": message.title,
            "body": message.body,
            "alerts": notification.alerts.map(alert),
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// One alert: the fields of the single-alert payload before routing existed (`labels` are the series labels),
    /// plus `reason` and `all_labels` (what routes and silences match on).
    static func alert(_ alert: NotifiedAlert) -> [String: Any] {
        var object: [String: Any] = [
            "alert_id": alert.id,
            "status": alert.status.rawValue,
            "rule_id": alert.ruleID,
            "rule": alert.rule,
            "severity": alert.severity,
            "machine_id": alert.machineID,
            "hostname": alert.hostname,
            "labels": alert.seriesLabels,
            "all_labels": alert.labels,
            "at_ms": alert.atMs,
            "description": alert.description,
            "reason": alert.reason,
        ]
        if let value = alert.value { object["value"] = value }
        return object
    }
}
