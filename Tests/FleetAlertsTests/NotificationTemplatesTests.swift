import FleetCore
import FleetProto
import Foundation
import Testing

@testable import FleetAlerts

@Suite struct NotificationTemplatesTests {
    static func alert(_ machine: String, _ status: AlertStatus, value: Double? = 93.456) -> NotifiedAlert {
        NotifiedAlert(
            id: "r1/\(machine)",
            transition: .with {
                $0.ruleID = "r1"
                $0.ruleName = "cpu high"
                $0.machineID = machine
                $0.hostname = "host-\(machine)"
                $0.labels = ["cpu": "total"]
                $0.severity = .critical
                $0.to = RuleMapping.status(status)
                $0.atMs = 1_700_000_000_000
                if let value { $0.value = value }
                $0.description_p = "cpu <b>busy</b>"
            })
    }

    let notification = AlertNotification(
        groupKey: "root{rule=\"cpu high\"}", routeID: "root", receiver: "ops", groupLabels: ["rule": "cpu high"],
        alerts: [alert("web-1", .firing), alert("web-2", .resolved, value: nil)], receipts: [])

    @Test func theDefaultsNameTheRuleTheCountsAndEachAlertWithItsSeriesLabels() {
        let (title, body) = NotificationTemplates.defaults.render(notification)
        #expect(title == "[FIRING] cpu high: 1 firing, 1 resolved")
        #expect(body.contains("FIRING cpu high on host-web-1 (web-1) [cpu=total] value 93.46: cpu <b>busy</b>"), "\(body)")
        #expect(body.contains("RESOLVED cpu high on host-web-2 (web-2) [cpu=total]"), "\(body)")
    }

    @Test func customTemplatesSeeTheDocumentedContext() throws {
        let templates = try NotificationTemplates(
            title: "{{receiver}} {{status}} {{firing_count}}/{{alert_count}} {{#common_labels}}{{severity}}{{/common_labels}}",
            body: "{{#alerts}}{{machine}}={{status}}{{#value}}@{{value}}{{/value}};{{/alerts}}{{#group_label_list}} {{name}}:{{value}}{{/group_label_list}}")
        let (title, body) = templates.render(notification)
        #expect(title == "ops firing 1/2 critical")
        #expect(body == "web-1=firing@93.46;web-2=resolved; rule:cpu high")
    }

    @Test func templatesThatCannotRenderAreRefusedAtStart() {
        #expect(throws: NotificationTemplates.TemplateError.self) { try NotificationTemplates(title: "{{#a}}", body: nil) }
        #expect(throws: NotificationTemplates.TemplateError.self) { try NotificationTemplates(title: nil, body: "{{< parent}}{{/parent}}") }
        #expect(throws: NotificationTemplates.TemplateError.self) { try NotificationTemplates(title: nil, body: "{{$block}}x{{/block}}") }
        #expect(throws: NotificationTemplates.TemplateError.self) { try NotificationTemplates(title: "{{=<% %>=}}", body: nil) }
    }

    @Test func unknownNamesRenderEmpty() throws {
        let templates = try NotificationTemplates(title: "[{{nothing.here}}]", body: "{{#nope}}x{{/nope}}")
        let rendered = templates.render(notification)
        #expect(rendered.title == "[]" && rendered.body == "")
    }

    @Test func theWebhookPayloadKeepsEachAlertsSingleAlertFields() throws {
        let message = RenderedNotification(notification: notification, title: "t", body: "b")
        let object = try #require(
            try JSONSerialization.jsonObject(with: WebhookIntegration.payload(message)) as? [String: Any])
        #expect(object["receiver"] as? String == "ops")
        #expect(object["status"] as? String == "firing")
        #expect(object["title"] as? String == "t" && object["body"] as? String == "b")
        #expect(object["group_labels"] as? [String: String] == ["rule": "cpu high"])
        let alerts = try #require(object["alerts"] as? [[String: Any]])
        #expect(alerts.count == 2)
        for key in ["alert_id", "status", "rule_id", "rule", "severity", "machine_id", "hostname", "labels", "at_ms", "description"] {
            #expect(alerts[0][key] != nil, "missing \(key)")
        }
        #expect(alerts[0]["labels"] as? [String: String] == ["cpu": "total"])
        #expect(alerts[0]["value"] as? Double == 93.456)
        #expect(alerts[1]["value"] == nil)
    }
}
